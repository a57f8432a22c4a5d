"""LeNet-5's forward pass taken apart layer by layer, so a rule can change one step of it.

Most rules differ from backprop only in what happens at a layer: feedback
alignment swaps the operation for one whose backward pass uses other weights,
direct feedback alignment cuts the chain between layers, node perturbation
adds noise to the units. :func:`staged_forward` computes exactly what
``LeNet5.forward`` computes (the same fast order: max pooling before the
non-linearity, conv3 as a matrix multiply) and calls three hooks on the way:

- ``layer_fn(call, x)`` computes a weight layer's output (default: the plain
  convolution or linear map);
- ``unit_fn(name, u)`` sees each layer's pre-activation, the units that the
  non-linearity acts on (after max pooling, where pooling comes first);
- ``block_fn(name, h)`` sees each hidden layer's output before the next layer
  reads it.

    logits = staged_forward(model, images)  # same as model(images)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from lenetlab.models import LeNet5

LAYERS = ("conv1", "conv2", "conv3", "fc1", "fc2")  # every layer with weights, input to output
HIDDEN = LAYERS[:-1]


@dataclass(frozen=True)
class LayerCall:
    """One weight layer as the forward pass applies it."""

    name: str
    weight: torch.Tensor  # (out, in, k, k) for conv1 and conv2; (out, in) for the rest
    bias: torch.Tensor  # (out,)
    padding: int  # convolutions only


def layer_call(model: LeNet5, name: str) -> LayerCall:
    """The weights of layer ``name`` in the shape the forward pass uses them.

    conv3 sees the whole 16x5x5 map, so it is applied as a linear layer; its
    weight is returned flattened to (120, 400), a view that autograd follows
    back to ``conv3.weight``.
    """
    module = getattr(model, name)
    if name in ("conv1", "conv2"):
        return LayerCall(name, module.weight, module.bias, module.padding[0])
    return LayerCall(name, module.weight.flatten(1), module.bias, 0)


def plain_layer(call: LayerCall, x: torch.Tensor) -> torch.Tensor:
    if call.weight.dim() == 4:
        return F.conv2d(x, call.weight, call.bias, padding=call.padding)
    return F.linear(x, call.weight, call.bias)


def keep(name: str, tensor: torch.Tensor) -> torch.Tensor:
    return tensor


LayerFn = Callable[[LayerCall, torch.Tensor], torch.Tensor]
HookFn = Callable[[str, torch.Tensor], torch.Tensor]


def staged_forward(
    model: LeNet5,
    x: torch.Tensor,
    layer_fn: LayerFn = plain_layer,
    unit_fn: HookFn = keep,
    block_fn: HookFn = keep,
) -> torch.Tensor:
    """``model(x)``, computed layer by layer with the three hooks applied; returns logits."""
    act = model.act
    h = conv_features(model, x, layer_fn, unit_fn, block_fn).flatten(1)  # N x 400
    h = block_fn("conv3", act(unit_fn("conv3", layer_fn(layer_call(model, "conv3"), h))))
    h = act(unit_fn("fc1", layer_fn(layer_call(model, "fc1"), h)))  # N x 84
    h = block_fn("fc1", model.dropout(h))
    return unit_fn("fc2", layer_fn(layer_call(model, "fc2"), h))  # N x 10


def conv_features(
    model: LeNet5,
    x: torch.Tensor,
    layer_fn: LayerFn = plain_layer,
    unit_fn: HookFn = keep,
    block_fn: HookFn = keep,
) -> torch.Tensor:
    """The first half of :func:`staged_forward`: conv1 and conv2 with their pooling."""
    act = model.act
    h = x  # N x 1 x 28 x 28
    for name, pool in (("conv1", model.pool1), ("conv2", model.pool2)):
        z = layer_fn(layer_call(model, name), h)  # N x 6 x 28 x 28, then N x 16 x 10 x 10
        if isinstance(pool, nn.MaxPool2d):
            h = act(unit_fn(name, pool(z)))  # max pooling commutes with the activation
        else:
            h = pool(act(unit_fn(name, z)))
        h = block_fn(name, h)  # N x 6 x 14 x 14, then N x 16 x 5 x 5
    return h


def weight_parameters(model: LeNet5) -> dict[str, nn.Parameter]:
    """Each layer's weight tensor (the parameter itself, not the flattened view)."""
    return {name: getattr(model, name).weight for name in LAYERS}
