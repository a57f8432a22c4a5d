"""2x2 max pooling that stays fast on channels-last maps with few channels.

PyTorch's CPU max-pooling kernel vectorises over the channels of a
channels-last map. LeNet-5's conv1 has 6 channels, fewer than one vector
holds, so the kernel runs scalar code: forward and backward on conv1's
512x6x28x28 bfloat16 maps of MNIST digits took 3.5 ms on this project's
machine, about a third of a training step. Taken as two pairwise maxima (the
two rows of each window, then the two columns) the same pooling is a few
passes over contiguous memory: 2.1 ms. ``benchmarks/pooling.py`` measures
both ways for each layer size; the pairwise way wins below
:data:`FEW_CHANNELS` channels and mostly loses from there up, so it is used
only below.

Forward and backward equal PyTorch's to the bit, ties included: where
several elements of a window hold the maximum, the gradient goes to the first
in reading order, as PyTorch's kernel sends it. (A first version sent ties to
the top of the left column instead, equally valid as a subgradient, but its
five benchmark seeds all ended 0.02-0.06 points lower in test accuracy, so
it was not kept.)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# from this many channels up, PyTorch's own kernel is mostly faster (benchmarks/pooling.py: the
# pairwise way won at 1 and 6 channels, lost at 8, 16, 32 and 64, and at 12 won only in bfloat16)
FEW_CHANNELS = 8


def pairwise_applies(x: torch.Tensor) -> bool:
    """Whether ``x`` is a map the pairwise pooling handles and speeds up."""
    if x.dim() != 4 or not x.is_floating_point():
        return False
    _, channels, height, width = x.shape
    return (
        channels < FEW_CHANNELS
        and height % 2 == 0
        and width % 2 == 0
        and x.is_contiguous(memory_format=torch.channels_last)
    )


class _PairwiseMaxPool(torch.autograd.Function):
    """2x2, stride-2 max pooling of a channels-last (N, C, H, W) map with even H and W.

    In memory the map is (N, H, W, C). Viewed as (N*H/2, 2, W*C), the two rows
    of each window are two contiguous halves, and their maximum holds the two
    columns of each window as neighbouring blocks of C values. Arithmetic on
    every other block of so few values is slow in bfloat16 (PyTorch has no
    vector code for such short runs), so the column step compares the whole
    row with itself shifted by C and keeps every other block: twice the
    arithmetic, all of it contiguous, and only copies touch the short blocks.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        n, c, h, w = x.shape
        rows = x.permute(0, 2, 3, 1).reshape(n * h // 2, 2, w * c)
        top, bottom = rows[:, 0], rows[:, 1]
        column_max = torch.maximum(top, bottom).view(-1)

        # at each left block k: left = column_max[k], right = column_max[k + c]
        left, right = column_max[:-c], column_max[c:]
        pair_max = torch.empty_like(column_max)
        torch.maximum(left, right, out=pair_max[:-c])
        pooled = pair_max.view(-1, 2, c)[:, 0].contiguous()

        if ctx.needs_input_grad[0]:
            # which element of each pair won, as 0/1 in the map's own dtype (a comparison
            # written straight into it is several times faster than one into booleans)
            top_won = torch.ge(top, bottom, out=top.new_empty(top.shape)).view(-1)
            column_won = torch.empty_like(column_max)
            left_won = torch.ge(left, right, out=column_won[:-c])

            # PyTorch's kernel gives a tie to the first maximum in reading order, so when the
            # two columns tie the right one wins if its top element is the maximum and the
            # left one's is not: left_won -= tie * (right_top_won > left_top_won)
            right_top_first = torch.gt(top_won[c:], top_won[:-c], out=torch.empty_like(left))
            tie = torch.eq(left, right, out=torch.empty_like(left))
            left_won.sub_(tie.mul_(right_top_first))

            # the right element's flag goes beside its left one
            right_won = torch.empty_like(column_max)
            torch.mul(left_won, -1, out=right_won[:-c]).add_(1)
            column_won.view(-1, 2, c)[:, 1] = right_won.view(-1, 2, c)[:, 0]
            ctx.save_for_backward(top_won, column_won)
        ctx.shape = (n, c, h, w)
        return pooled.view(n, h // 2, w // 2, c).permute(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        top_won, column_won = ctx.saved_tensors
        n, c, h, w = ctx.shape
        grad = grad.permute(0, 2, 3, 1).reshape(-1, 1, c)

        # the column step: each pooled gradient to the left or the right element of its pair
        columns = grad.expand(-1, 2, c).contiguous().view(-1)
        columns.mul_(column_won)

        # the row step: to the top or the bottom element
        columns = columns.view(n * h // 2, w * c)
        rows = grad.new_empty(n * h // 2, 2, w * c)
        torch.mul(columns, top_won.view(columns.shape), out=rows[:, 0])
        torch.sub(columns, rows[:, 0], out=rows[:, 1])
        return rows.view(n, h, w, c).permute(0, 3, 1, 2)


class MaxPool2x2(nn.MaxPool2d):
    """``nn.MaxPool2d(2)``, computed pairwise where that is faster (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(kernel_size=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if pairwise_applies(x):
            return _PairwiseMaxPool.apply(x)
        return F.max_pool2d(x, 2)
