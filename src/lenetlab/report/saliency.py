"""Which pixels a decision depends on, measured two ways.

:func:`input_gradient` asks how fast the class score changes with each pixel
(cheap, one backward pass, but local and noisy). :func:`occlusion` blanks a
small square at every position and measures how much the class's score (its
logit) falls (slower, but it asks the model directly and needs no gradients,
so it works the same for every learning rule). The score rather than the
probability: a confident model's probability barely moves when one patch of
a digit is hidden, its score does. Both take normalised
``(N, 1, 28, 28)`` inputs and give one ``(28, 28)`` map per image.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def input_gradient(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> np.ndarray:
    """|d logit[target] / d pixel| for each image, ``(N, 28, 28)``."""
    was_training = model.training
    model.eval()
    try:
        inputs = inputs.detach().clone().requires_grad_(True)
        logits = model(inputs)  # N x 10
        chosen = logits.gather(1, targets.view(-1, 1)).sum()
        (gradient,) = torch.autograd.grad(chosen, inputs)
    finally:
        model.train(was_training)
    return gradient.abs()[:, 0].numpy()  # N x 28 x 28


@torch.no_grad()
def occlusion(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    fill: float,
    patch: int = 6,
    stride: int = 2,
) -> np.ndarray:
    """Mean fall in the target's logit when a ``patch`` x ``patch`` square covering a pixel is blanked.

    ``fill`` is the normalised value of an ink-less pixel (see
    :func:`lenetlab.report.features.blank_input_value`). Positive values mark
    evidence for the target class, negative values evidence against it.
    """
    was_training = model.training
    model.eval()
    try:
        size = inputs.shape[-1]
        corners = [
            (top, left)
            for top in range(0, size - patch + 1, stride)
            for left in range(0, size - patch + 1, stride)
        ]
        baseline = model(inputs).gather(1, targets.view(-1, 1))  # N x 1

        maps = np.zeros((len(inputs), size, size), dtype=np.float64)
        counts = np.zeros((size, size), dtype=np.float64)
        for top, left in corners:
            counts[top : top + patch, left : left + patch] += 1

        # one batch per image: every occluded copy of it at once
        for index in range(len(inputs)):
            copies = inputs[index].expand(len(corners), -1, -1, -1).clone()  # P x 1 x 28 x 28
            for copy, (top, left) in zip(copies, corners):
                copy[:, top : top + patch, left : left + patch] = fill
            target = targets[index].expand(len(corners)).view(-1, 1)
            occluded = model(copies).gather(1, target)[:, 0]  # P
            drop = (baseline[index, 0] - occluded).numpy()
            for value, (top, left) in zip(drop, corners):
                maps[index, top : top + patch, left : left + patch] += value
    finally:
        model.train(was_training)
    return (maps / np.maximum(counts, 1)).astype(np.float32)
