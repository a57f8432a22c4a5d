"""Backpropagation: the reference every other rule is measured against.

It needs all three things the course calls implausible for a brain: feedback
that carries the forward weights transposed (weight transport), signed and
unbounded error signals, and a backward pass that leaves the forward activity
untouched. It removes none of them; it is here to be the yardstick.
"""

from __future__ import annotations

import torch
from torch import nn

from lenetlab.rules.base import LearningRule, register
from lenetlab.training.config import TrainConfig


@register("backprop")
class Backprop(LearningRule):
    """The true gradient of the cross-entropy loss, computed by autograd."""

    # the default settings are backprop's recipe, the one the accuracy benchmark measures
    default_lr = TrainConfig.lr
    default_epochs = TrainConfig.epochs
    default_batch_size = TrainConfig.batch_size
    default_weight_decay = TrainConfig.weight_decay
    default_label_smoothing = TrainConfig.label_smoothing
    default_precision = TrainConfig.precision

    def compute_gradients(
        self, model: nn.Module, images: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        logits = model(images)
        loss = self.loss(logits, labels)
        loss.backward()
        return loss.detach(), logits.detach()
