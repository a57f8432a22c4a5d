"""The pairwise 2x2 max pooling: PyTorch's values, and a gradient to one maximum per window."""

import pytest
import torch
import torch.nn.functional as F

from lenetlab.models import LeNet5
from lenetlab.models.pooling import FEW_CHANNELS, MaxPool2x2, pairwise_applies


def channels_last(*shape, dtype=torch.float32, ties=False, seed=0):
    values = torch.randn(*shape, generator=torch.Generator().manual_seed(seed))
    if ties:
        values = (values * 2).round() / 2  # few distinct values: many windows tie
    return values.to(dtype).contiguous(memory_format=torch.channels_last).requires_grad_()


def pool_and_grad(pool, x, upstream):
    out = pool(x)
    (grad,) = torch.autograd.grad(out, x, upstream)
    return out, grad


def upstream_for(x, seed=1):
    n, c, h, w = x.shape
    g = torch.randn(n, c, h // 2, w // 2, generator=torch.Generator().manual_seed(seed))
    return g.to(x.dtype).contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("shape", [(4, 6, 28, 28), (3, 1, 4, 6), (2, 7, 10, 10)])
def test_values_equal_pytorch_and_the_pairwise_path_is_taken(shape, dtype):
    x = channels_last(*shape, dtype=dtype, ties=True)
    assert pairwise_applies(x)

    ours = MaxPool2x2()(x)

    assert ours.dtype == dtype
    assert torch.equal(ours, F.max_pool2d(x, 2))
    assert ours.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
def test_gradient_equals_pytorchs_to_the_bit(dtype, ties):
    """Ties go where PyTorch sends them: the first maximum of the window in reading order."""
    x = channels_last(8, 6, 28, 28, dtype=dtype, ties=ties)
    upstream = upstream_for(x)

    ours = pool_and_grad(MaxPool2x2(), x, upstream)
    theirs = pool_and_grad(lambda t: F.max_pool2d(t, 2), x, upstream)

    assert torch.equal(ours[1], theirs[1])


def test_every_tie_pattern_of_a_window_routes_like_pytorch():
    """All 16 ways the four elements of a window can hold the maximum (or not)."""
    patterns = torch.tensor([[(k >> bit) & 1 for bit in range(4)] for k in range(1, 16)])
    windows = patterns.float().view(-1, 1, 2, 2)  # 1 marks a maximal element, 0 a smaller one
    x = windows.repeat(1, 2, 1, 1).contiguous(memory_format=torch.channels_last)
    x.requires_grad_()
    upstream = torch.ones(15, 2, 1, 1).contiguous(memory_format=torch.channels_last)

    ours = pool_and_grad(MaxPool2x2(), x, upstream)
    theirs = pool_and_grad(lambda t: F.max_pool2d(t, 2), x, upstream)

    assert torch.equal(ours[1], theirs[1])


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_on_ties_the_whole_gradient_goes_to_one_maximal_element(dtype):
    x = channels_last(4, 6, 12, 12, dtype=dtype, ties=True)
    upstream = upstream_for(x)

    out, grad = pool_and_grad(MaxPool2x2(), x, upstream)

    # look at each 2x2 window's four elements side by side
    windows = x.detach().unfold(2, 2, 2).unfold(3, 2, 2).flatten(-2)  # N C H/2 W/2 4
    grads = grad.unfold(2, 2, 2).unfold(3, 2, 2).flatten(-2)
    receiving = grads != 0
    assert int((windows == out.detach().unsqueeze(-1)).sum(-1).max()) > 1  # ties exist
    assert torch.equal(receiving.sum(-1), (upstream != 0).to(torch.int64))
    winners = windows[receiving]
    assert torch.equal(winners, out.detach()[upstream != 0])
    assert torch.equal(grads.sum(-1), upstream)


@pytest.mark.parametrize(
    "x",
    [
        torch.randn(2, 6, 28, 28),  # channels first
        torch.randn(2, FEW_CHANNELS, 10, 10).contiguous(memory_format=torch.channels_last),
        torch.randn(2, 6, 7, 8).contiguous(memory_format=torch.channels_last),  # odd height
        torch.randn(6, 28, 28),  # no batch dimension
    ],
    ids=["channels-first", "many-channels", "odd-height", "three-dims"],
)
def test_other_maps_fall_back_to_pytorch(x):
    assert not pairwise_applies(x)
    assert torch.equal(MaxPool2x2()(x), F.max_pool2d(x, 2))


def test_no_mask_is_kept_when_no_gradient_is_needed():
    x = channels_last(2, 6, 8, 8).detach()
    with torch.no_grad():
        out = MaxPool2x2()(x)
    assert out.grad_fn is None
    assert torch.equal(out, F.max_pool2d(x, 2))


def test_training_step_of_lenet5_in_channels_last_matches_pytorchs_pooling():
    """A whole backward pass through the network, pairwise pooling against PyTorch's."""
    torch.manual_seed(0)
    ours = LeNet5("lenet5").to(memory_format=torch.channels_last).eval()
    reference = LeNet5("lenet5").to(memory_format=torch.channels_last).eval()
    reference.load_state_dict(ours.state_dict())
    reference.pool1 = torch.nn.MaxPool2d(2)
    reference.pool2 = torch.nn.MaxPool2d(2)
    images = torch.randn(16, 1, 28, 28).contiguous(memory_format=torch.channels_last)

    grads = []
    for model in (ours, reference):
        torch.nn.functional.cross_entropy(model(images), torch.arange(16) % 10).backward()
        grads.append(model.conv1.weight.grad)

    torch.testing.assert_close(grads[0], grads[1], rtol=1e-5, atol=1e-6)
