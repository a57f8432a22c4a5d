"""Layers whose backward pass carries the error through feedback weights of their own.

In backprop the error reaching a layer's input is the output error times the
layer's own weights, transposed. :class:`FeedbackLinear` and
:class:`FeedbackConv2d` compute the same forward output, but send the error
back through a separate ``feedback_weight`` of the same shape. The gradient of
the layer's own weights stays the true local one (output error times input
activity), so with ``feedback_weight`` equal to ``weight`` both are exactly
backprop; that is the oracle the tests use.

:class:`FeedbackRule` is the part shared by feedback alignment and sign
symmetry, which differ only in how they choose the feedback weights.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lenetlab.rules.base import LearningRule
from lenetlab.rules.layers import LayerCall, layer_call, plain_layer, staged_forward


def same_format(grad_out: torch.Tensor, *tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """``tensors`` in ``grad_out``'s number format: under bfloat16 autocast the error arrives
    in bfloat16 while the saved input or the feedback weights may be float32. Autograd casts
    the returned gradients back to each parameter's own format."""
    return tuple(tensor.to(grad_out.dtype) for tensor in tensors)


class FeedbackLinear(torch.autograd.Function):
    """y = x W^T + b; the input's gradient uses the feedback weight B in place of W."""

    @staticmethod
    def forward(ctx, x, weight, bias, feedback_weight):
        ctx.save_for_backward(x, feedback_weight)
        return F.linear(x, weight, bias)

    @staticmethod
    def backward(ctx, grad_out):  # grad_out: N x out
        x, feedback_weight = same_format(grad_out, *ctx.saved_tensors)
        grad_x = grad_out @ feedback_weight if ctx.needs_input_grad[0] else None  # N x in
        grad_weight = grad_out.t() @ x  # out x in: the true local gradient
        grad_bias = grad_out.sum(0)
        return grad_x, grad_weight, grad_bias, None


class FeedbackConv2d(torch.autograd.Function):
    """A stride-1 convolution whose input gradient is the transposed convolution with B."""

    @staticmethod
    def forward(ctx, x, weight, bias, feedback_weight, padding):
        ctx.save_for_backward(x, feedback_weight)
        ctx.padding = padding
        return F.conv2d(x, weight, bias, padding=padding)

    @staticmethod
    def backward(ctx, grad_out):  # grad_out: N x out x H x W
        x, feedback_weight = same_format(grad_out, *ctx.saved_tensors)
        # one kernel call: its input gradient uses only the weight passed (B),
        # its weight gradient only the input activity
        grad_x, grad_weight, grad_bias = torch.ops.aten.convolution_backward(
            grad_out,
            x,
            feedback_weight,
            [feedback_weight.shape[0]],
            [1, 1],
            [ctx.padding, ctx.padding],
            [1, 1],
            False,
            [0, 0],
            1,
            [ctx.needs_input_grad[0], True, True],
        )
        return grad_x, grad_weight, grad_bias, None, None


def feedback_layer(call: LayerCall, x: torch.Tensor, feedback_weight: torch.Tensor) -> torch.Tensor:
    """Apply one layer of the forward pass with ``feedback_weight`` on the way back."""
    if call.weight.dim() == 4:
        return FeedbackConv2d.apply(x, call.weight, call.bias, feedback_weight, call.padding)
    return FeedbackLinear.apply(x, call.weight, call.bias, feedback_weight)


class FeedbackRule(LearningRule):
    """Backprop's chain of errors, carried by :meth:`feedback_weights` instead of W^T."""

    def feedback_weights(self, model: nn.Module) -> dict[str, torch.Tensor]:
        """The feedback weight of every layer above conv1, shaped like its :func:`layer_call` weight.

        conv1 needs none: its input is the image, which no error has to reach.
        """
        raise NotImplementedError

    def compute_gradients(self, model, images, labels):
        feedback = self.feedback_weights(model)

        def layer_fn(call: LayerCall, x: torch.Tensor) -> torch.Tensor:
            if call.name not in feedback:  # conv1: no error goes below it
                return plain_layer(call, x)
            return feedback_layer(call, x, feedback[call.name])

        logits = staged_forward(model, images, layer_fn=layer_fn)
        loss = self.loss(logits, labels)
        loss.backward()
        return loss.detach(), logits.detach()

    def alignment_pairs(self, model):
        feedback = self.feedback_weights(model)
        return {
            name: (layer_call(model, name).weight.detach(), feedback[name]) for name in feedback
        }
