"""LeNet-5 in the two forms the course compares.

``lenet5`` is the course's network: LeCun's layer sizes with the first
convolution padded so a 28x28 MNIST digit keeps its size, ReLU in place of the
squashing non-linearity, max pooling, and dropout before the output layer.
``lenet5-1998`` keeps the same sizes but uses tanh and average pooling, so the
lecture's ReLU-versus-sigmoid point is one flag away.

The module knows nothing of data, optimisers or files: it maps a batch of
``(N, 1, 28, 28)`` images to ``(N, 10)`` logits and can report the activity of
every layer for the learning rules and the figures that need it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from lenetlab.errors import ConfigError
from lenetlab.models.pooling import MaxPool2x2

IMAGE_SIZE = 28
NUM_CLASSES = 10


@dataclass(frozen=True)
class Architecture:
    """The choices that distinguish one LeNet-5 variant from another."""

    name: str
    activation: str  # "relu" or "tanh"
    pooling: str  # "max" or "avg"
    dropout: float  # probability of dropping a unit of fc1
    widths: tuple[int, int, int, int] = (6, 16, 120, 84)  # conv1, conv2, conv3, fc1
    description: str = ""


ARCHITECTURES: dict[str, Architecture] = {
    arch.name: arch
    for arch in (
        Architecture(
            "lenet5",
            "relu",
            "max",
            0.5,
            description="the course's LeNet-5: padded conv1, ReLU, max pooling, dropout",
        ),
        Architecture(
            "lenet5-1998",
            "tanh",
            "avg",
            0.0,
            description="LeCun et al. 1998 sizes with tanh and average pooling",
        ),
        Architecture(
            "lenet5-wide",
            "relu",
            "max",
            0.5,
            widths=(32, 64, 120, 84),
            description="lenet5 with 32 and 64 convolution channels, the width Hebbian rules need",
        ),
    )
}


def get_architecture(name: str) -> Architecture:
    """Look an architecture up by name, failing with the list of known names."""
    try:
        return ARCHITECTURES[name]
    except KeyError:
        known = ", ".join(sorted(ARCHITECTURES))
        raise ConfigError(f"unknown architecture {name!r}; known: {known}") from None


class LeNet5(nn.Module):
    """LeNet-5 for 1x28x28 inputs; the layer names match the literature."""

    def __init__(self, arch: Architecture | str = "lenet5") -> None:
        super().__init__()
        if isinstance(arch, str):
            arch = get_architecture(arch)
        self.arch = arch
        c1, c2, c3, f1 = arch.widths

        self.conv1 = nn.Conv2d(1, c1, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(c1, c2, kernel_size=5)
        self.conv3 = nn.Conv2d(c2, c3, kernel_size=5)
        self.fc1 = nn.Linear(c3, f1)
        self.fc2 = nn.Linear(f1, NUM_CLASSES)

        self.act = nn.ReLU() if arch.activation == "relu" else nn.Tanh()
        if arch.pooling == "max":
            self.pool1, self.pool2 = MaxPool2x2(), MaxPool2x2()
        else:
            self.pool1, self.pool2 = nn.AvgPool2d(2), nn.AvgPool2d(2)
        self.dropout = nn.Dropout(arch.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self._conv_pool(self.conv1, self.pool1, x)  # N x 6 x 14 x 14
        x = self._conv_pool(self.conv2, self.pool2, x)  # N x 16 x 5 x 5
        x = self.act(self._conv3_as_linear(x))  # N x 120
        x = self.dropout(self.act(self.fc1(x)))  # N x 84
        return self.fc2(x)  # N x 10 logits

    def _conv_pool(self, conv: nn.Conv2d, pool: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Convolution, non-linearity and pooling, in the cheapest order that gives the same result.

        Max pooling commutes with any non-decreasing activation (ReLU, tanh), so
        pooling first applies the activation to a quarter of the values. Average
        pooling does not commute, so it keeps the textbook order.
        """
        if isinstance(pool, nn.MaxPool2d):
            return self.act(pool(conv(x)))
        return pool(self.act(conv(x)))

    def _conv3_as_linear(self, x: torch.Tensor) -> torch.Tensor:
        """conv3 sees the whole 16x5x5 map, so it is a fully connected layer; a matrix
        multiply computes it several times faster than a convolution kernel on a CPU."""
        return F.linear(x.flatten(1), self.conv3.weight.flatten(1), self.conv3.bias)

    def activations(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        """Every layer's output for ``x``, in order, for the figures and the web page."""
        out: OrderedDict[str, torch.Tensor] = OrderedDict()
        out["conv1"] = x = self.act(self.conv1(x))  # N x 6 x 28 x 28
        out["pool1"] = x = self.pool1(x)  # N x 6 x 14 x 14
        out["conv2"] = x = self.act(self.conv2(x))  # N x 16 x 10 x 10
        out["pool2"] = x = self.pool2(x)  # N x 16 x 5 x 5
        out["conv3"] = x = self.act(self._conv3_as_linear(x))  # N x 120
        out["fc1"] = x = self.act(self.fc1(x))  # N x 84
        out["logits"] = self.fc2(self.dropout(x))  # N x 10
        return out


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
