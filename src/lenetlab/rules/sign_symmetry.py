"""Sign symmetry (Liao, Leibo and Poggio 2016): feedback that shares only the forward weights' signs.

The feedback weight of every layer above conv1 is ``sign(W) * scale``, read
afresh from the forward weights at each step, where ``scale`` is the layer's
mean absolute weight, so the error keeps about backprop's size. With the
element-wise magnitude ``|W|`` in place of that one number the feedback would
be W itself and the rule backprop; the tests use that as the oracle.

Removes: most of weight transport (one bit per synapse travels back, not the
value). Remains: that bit must still be shared between the forward and the
feedback synapse; the error signals are still signed and unbounded and must
travel back without disturbing the forward activity.
"""

from __future__ import annotations

import torch

from lenetlab.rules.base import register
from lenetlab.rules.feedback import FeedbackRule
from lenetlab.rules.layers import LAYERS, layer_call


def sign_feedback(weight: torch.Tensor, magnitude: str = "layer-mean") -> torch.Tensor:
    """``sign(weight)`` times one scale per layer ("layer-mean") or times ``|weight|`` ("exact")."""
    weight = weight.detach()
    if magnitude == "layer-mean":
        return torch.sign(weight) * weight.abs().mean()
    if magnitude == "exact":
        return torch.sign(weight) * weight.abs()
    raise ValueError(f"unknown magnitude {magnitude!r}; known: layer-mean, exact")


@register("sign-symmetry")
class SignSymmetry(FeedbackRule):
    """Feedback weights equal to the forward weights' signs times a per-layer scale."""

    magnitude = "layer-mean"

    def feedback_weights(self, model):
        return {
            name: sign_feedback(layer_call(model, name).weight, self.magnitude)
            for name in LAYERS[1:]
        }
