"""The network: the course's sizes, and a fast forward pass equal to the textbook one."""

import pytest
import torch
import torch.nn.functional as F

from lenetlab.errors import ConfigError
from lenetlab.models import ARCHITECTURES, LeNet5, count_parameters, get_architecture


def textbook_forward(model: LeNet5, x: torch.Tensor) -> torch.Tensor:
    """LeNet-5 written layer by layer in the order of the lecture, with no shortcuts."""
    act = torch.relu if model.arch.activation == "relu" else torch.tanh
    pool = F.max_pool2d if model.arch.pooling == "max" else F.avg_pool2d
    x = pool(act(model.conv1(x)), 2)
    x = pool(act(model.conv2(x)), 2)
    x = act(model.conv3(x)).flatten(1)
    x = model.dropout(act(model.fc1(x)))
    return model.fc2(x)


def test_course_lenet5_has_61706_parameters():
    assert count_parameters(LeNet5("lenet5")) == 61_706
    assert count_parameters(LeNet5("lenet5-1998")) == 61_706


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_layer_shapes(name):
    model = LeNet5(name)
    x = torch.randn(4, 1, 28, 28)
    shapes = {layer: tuple(t.shape) for layer, t in model.activations(x).items()}
    widths = model.arch.widths
    assert shapes["conv1"] == (4, widths[0], 28, 28)
    assert shapes["pool1"] == (4, widths[0], 14, 14)
    assert shapes["conv2"] == (4, widths[1], 10, 10)
    assert shapes["pool2"] == (4, widths[1], 5, 5)
    assert shapes["conv3"] == (4, widths[2])
    assert shapes["fc1"] == (4, widths[3])
    assert shapes["logits"] == (4, 10)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_fast_forward_and_gradients_equal_textbook(name):
    torch.manual_seed(0)
    model = LeNet5(name).eval()  # eval: dropout off, so both passes see the same units
    x = torch.randn(8, 1, 28, 28)
    target = torch.randint(0, 10, (8,))

    fast = model(x)
    fast_grads = torch.autograd.grad(F.cross_entropy(fast, target), list(model.parameters()))
    slow = textbook_forward(model, x)
    slow_grads = torch.autograd.grad(F.cross_entropy(slow, target), list(model.parameters()))

    torch.testing.assert_close(fast, slow, rtol=1e-5, atol=1e-5)
    for a, b in zip(fast_grads, slow_grads):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_logits_are_not_rectified():
    torch.manual_seed(0)
    logits = LeNet5().eval()(torch.randn(64, 1, 28, 28))
    assert (logits < 0).any()


def test_unknown_architecture_lists_known_ones():
    with pytest.raises(ConfigError, match="lenet5-1998"):
        get_architecture("alexnet")
