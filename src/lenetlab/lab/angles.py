"""Angles between what a rule does and what backprop would do, measured during training.

Two kinds, both in degrees (0: the same direction, 90: unrelated):

- ``update-vs-gradient``: per layer, between the weight change the rule asked
  for (its ``.grad``) and the true gradient of the loss on the same batch,
  with the same dropout mask. Backprop's is 0 by construction.
- ``feedback-vs-forward``: per layer, between the feedback weight that carries
  the error down (feedback alignment, sign symmetry) and the forward weight
  whose transpose backprop would use.

:class:`AngleProbe` is a training-loop reporter that takes these every
``every`` steps without changing the run: it restores the random state and
leaves ``.grad`` alone.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from lenetlab.rules.layers import LAYERS, weight_parameters
from lenetlab.training.loop import Batch, Reporter


def angle_degrees(a: torch.Tensor, b: torch.Tensor) -> float:
    """The angle between two tensors seen as vectors; NaN if either is zero."""
    a, b = a.flatten().double(), b.flatten().double()
    norms = a.norm() * b.norm()
    if norms == 0:
        return math.nan
    cosine = float((a @ b) / norms)
    return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


def true_gradients(model, rule, batch: Batch) -> dict[str, torch.Tensor]:
    """Backprop's gradient of every layer's weight on ``batch``, with the rule's dropout mask."""
    weights = weight_parameters(model)
    with torch.random.fork_rng(devices=[]):
        torch.set_rng_state(batch.rng_state)
        with torch.enable_grad():
            loss = rule.loss(model(batch.images), batch.labels)
            grads = torch.autograd.grad(loss, list(weights.values()))
    return dict(zip(weights, grads))


class AngleProbe(Reporter):
    """Records the angles every ``every`` steps and passes all other events to ``inner``."""

    def __init__(self, every: int, inner: Reporter | None = None) -> None:
        self.every = every
        self.inner = inner or Reporter()
        self.records: list[dict[str, Any]] = []
        self.epoch = 0

    def epoch_started(self, epoch, epochs, steps):
        self.epoch = epoch
        self.inner.epoch_started(epoch, epochs, steps)

    def step_done(self, loss, correct, count):
        self.inner.step_done(loss, correct, count)

    def epoch_done(self, metrics, model):
        self.inner.epoch_done(metrics, model)

    def update_ready(self, step, model, rule, batch):
        self.inner.update_ready(step, model, rule, batch)
        if step % self.every:
            return
        where = {"step": step, "epoch": self.epoch}

        updates = {name: weight.grad for name, weight in weight_parameters(model).items()}
        gradients = true_gradients(model, rule, batch)
        for name in LAYERS:
            if updates[name] is not None:  # frozen layers make no update
                angle = angle_degrees(updates[name], gradients[name])
                self.records.append(
                    {**where, "kind": "update-vs-gradient", "layer": name, "angle": angle}
                )

        for name, (forward, feedback) in rule.alignment_pairs(model).items():
            angle = angle_degrees(forward, feedback)
            self.records.append(
                {**where, "kind": "feedback-vs-forward", "layer": name, "angle": angle}
            )
