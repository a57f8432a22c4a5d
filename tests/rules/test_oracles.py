"""Each rule checked against an oracle: autograd, backprop itself, or a hand calculation."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lenetlab.lab.angles import angle_degrees
from lenetlab.models import LeNet5
from lenetlab.rules import get_rule
from lenetlab.rules.hebbian import softhebb_update
from lenetlab.rules.layers import LAYERS, layer_call, staged_forward
from lenetlab.rules.readout import readout_weights
from lenetlab.rules.sign_symmetry import SignSymmetry, sign_feedback


def gradients(model, rule, images, labels, seed=1) -> dict[str, torch.Tensor]:
    """The ``.grad`` the rule fills, with the dropout mask fixed by ``seed``."""
    model.zero_grad(set_to_none=True)
    torch.manual_seed(seed)
    rule.compute_gradients(model, images, labels)
    return {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}


def textbook_forward(model: LeNet5, x: torch.Tensor) -> torch.Tensor:
    """LeNet-5 the slow, obvious way: convolution, activation, pooling; conv3 as a convolution."""
    x = model.pool1(model.act(model.conv1(x)))
    x = model.pool2(model.act(model.conv2(x)))
    x = model.act(model.conv3(x)).flatten(1)
    x = model.dropout(model.act(model.fc1(x)))
    return model.fc2(x)


def assert_same(got: dict, want: dict, atol=1e-6) -> None:
    assert got.keys() == want.keys()
    for name in want:
        torch.testing.assert_close(got[name], want[name], atol=atol, rtol=1e-5, msg=name)


@pytest.mark.parametrize("arch", ["lenet5", "lenet5-1998", "lenet5-wide"])
def test_staged_forward_is_the_models_forward(arch, batch):
    torch.manual_seed(0)
    model = LeNet5(arch)
    images, _ = batch
    for mode in (False, True):  # eval, then train with the same dropout mask
        model.train(mode)
        torch.manual_seed(3)
        want = model(images)
        torch.manual_seed(3)
        torch.testing.assert_close(staged_forward(model, images), want)


@pytest.mark.parametrize("arch", ["lenet5", "lenet5-1998"])
def test_backprop_equals_autograd_through_the_textbook_forward(arch, batch):
    torch.manual_seed(0)
    model = LeNet5(arch)
    images, labels = batch
    got = gradients(model, get_rule("backprop"), images, labels)

    model.zero_grad(set_to_none=True)
    torch.manual_seed(1)
    F.cross_entropy(textbook_forward(model, images), labels).backward()
    want = {name: p.grad.clone() for name, p in model.named_parameters()}
    assert_same(got, want, atol=1e-5)


@pytest.mark.parametrize("arch", ["lenet5", "lenet5-1998"])
def test_feedback_alignment_with_feedback_equal_to_forward_is_backprop(arch, batch):
    torch.manual_seed(0)
    model = LeNet5(arch)
    images, labels = batch
    rule = get_rule("feedback-alignment")
    rule.setup(model, torch.Generator().manual_seed(0))  # sets the rule's dropout too
    want = gradients(model, get_rule("backprop"), images, labels)

    assert set(rule.feedback) == set(LAYERS[1:])  # every layer that sends an error down
    rule.feedback = {
        name: layer_call(model, name).weight.detach().clone() for name in rule.feedback
    }
    assert_same(gradients(model, rule, images, labels), want)


def test_feedback_alignment_with_random_feedback_is_not_backprop(batch):
    torch.manual_seed(0)
    model = LeNet5()
    images, labels = batch
    rule = get_rule("feedback-alignment")
    rule.setup(model, torch.Generator().manual_seed(0))
    want = gradients(model, get_rule("backprop"), images, labels)  # same network, same dropout
    got = gradients(model, rule, images, labels)
    torch.testing.assert_close(got["fc2.weight"], want["fc2.weight"])  # the top is local
    assert not torch.allclose(got["conv2.weight"], want["conv2.weight"], atol=1e-4)


def test_sign_symmetry_with_exact_magnitudes_is_backprop(batch):
    torch.manual_seed(0)
    model = LeNet5()
    images, labels = batch
    want = gradients(model, get_rule("backprop"), images, labels)
    rule = SignSymmetry()
    rule.magnitude = "exact"  # sign(W) * |W| = W
    assert_same(gradients(model, rule, images, labels), want)


def test_sign_feedback_keeps_signs_and_one_scale():
    weight = torch.tensor([[0.5, -0.25], [0.0, -1.0]])
    feedback = sign_feedback(weight)
    assert torch.equal(feedback, torch.tensor([[0.4375, -0.4375], [0.0, -0.4375]]))


def test_direct_feedback_alignment_output_layer_is_local_and_exact(batch):
    torch.manual_seed(0)
    model = LeNet5()
    images, labels = batch
    rule = get_rule("direct-feedback-alignment")
    rule.setup(model, torch.Generator().manual_seed(0))
    want = gradients(model, get_rule("backprop"), images, labels)  # same network, same dropout
    got = gradients(model, rule, images, labels)
    torch.testing.assert_close(got["fc2.weight"], want["fc2.weight"])
    assert rule.feedback["conv1"].shape == (10, 6 * 14 * 14)


def test_hebbian_step_equals_the_hand_calculation():
    # one 1x1x2 image with activities 1 and 2; two 1x1 kernels with weights 1 and 0
    x = torch.tensor([[[[1.0, 2.0]]]])
    weight = torch.tensor([1.0, 0.0]).view(2, 1, 1, 1)
    change = softhebb_update(x, weight, padding=0, temperature=1.0)

    # position 1: u = (1, 0), y = softmax(u) = (e/(e+1), 1/(e+1))
    # position 2: u = (2, 0), y = (e^2/(e^2+1), 1/(e^2+1))
    # unit k: mean over positions of y_k * (x - u_k * w_k)
    e = torch.e
    y1, y2 = e / (e + 1), e**2 / (e**2 + 1)
    unit0 = (y1 * (1 - 1 * 1) + y2 * (2 - 2 * 1)) / 2  # = 0: w = 1 is this unit's fixed point
    unit1 = ((1 - y1) * 1 + (1 - y2) * 2) / 2  # u = 0, so only the Hebbian term
    torch.testing.assert_close(change.view(2), torch.tensor([unit0, unit1]))


def hebbian_step(batch):
    """One Hebbian step on a fresh LeNet-5: the model, the rule, and conv1's weights before it."""
    torch.manual_seed(0)
    model = LeNet5()
    rule = get_rule("hebbian")
    rule.setup(model, torch.Generator().manual_seed(0))
    weight = model.conv1.weight.detach().clone()
    rule.compute_gradients(model, *batch)
    return model, rule, weight


def test_hebbian_applies_its_change_directly_and_records_it_as_gradient(batch):
    model, rule, weight = hebbian_step(batch)
    images, _ = batch

    want = softhebb_update(images, weight, 2, rule.temperature)
    torch.testing.assert_close(model.conv1.weight.grad, -want)  # for the angle probe
    changed = weight + rule.hebbian_rate * want
    changed -= changed.mean((1, 2, 3), keepdim=True)  # zero-sum kernels
    torch.testing.assert_close(model.conv1.weight.detach(), changed)
    assert model.fc1.weight.grad is None  # the pass-through layers never learn
    assert set(rule.trainable_parameters(model)) == {model.conv3.weight, model.conv3.bias}


@pytest.mark.parametrize("rule_name", ["hebbian", "random-features"])
def test_readout_is_stored_exactly_in_lenet5(rule_name, batch):
    torch.manual_seed(0)
    model = LeNet5()
    rule = get_rule(rule_name)
    rule.setup(model, torch.Generator().manual_seed(0))
    with torch.no_grad():  # any read-out, mirrored as the optimiser keeps it
        weight, bias = readout_weights(model)
        weight.copy_(torch.randn(weight.shape))
        bias.copy_(torch.randn(bias.shape))
        model.conv3.weight[10:20] = -model.conv3.weight[:10]
        model.conv3.bias[10:20] = -model.conv3.bias[:10]

    images, _ = batch
    model.eval()
    features = staged_forward(model, images, block_fn=lambda name, h: h).detach()
    with torch.no_grad():
        h = model.act(model.pool2(model.conv2(model.act(model.pool1(model.conv1(images))))))
        want = F.linear(h.flatten(1), weight, bias)
    torch.testing.assert_close(model(images), want)
    torch.testing.assert_close(features, want)


def test_readout_refuses_a_tanh_network():
    from lenetlab.errors import ConfigError

    with pytest.raises(ConfigError, match="ReLU, max-pooling"):
        get_rule("hebbian").setup(LeNet5("lenet5-1998"), torch.Generator())


@pytest.mark.parametrize(
    "rule_name", ["feedback-alignment", "direct-feedback-alignment", "node-perturbation"]
)
def test_rule_state_round_trips(rule_name, batch):
    torch.manual_seed(0)
    model = LeNet5()
    rule = get_rule(rule_name)
    rule.setup(model, torch.Generator().manual_seed(5))
    restored = get_rule(rule_name)
    restored.load_state_dict({k: v.clone() for k, v in rule.state_dict().items()})

    images, labels = batch
    assert_same(gradients(model, restored, images, labels), gradients(model, rule, images, labels))


def test_node_perturbation_estimate_points_along_the_gradient():
    # unbiased but noisy: averaged over 200 noise draws it turns towards the true gradient
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(32, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (32,), generator=generator)
    torch.manual_seed(0)
    model = LeNet5().eval()
    want = gradients(model, get_rule("backprop"), images, labels)

    rule = get_rule("node-perturbation")
    rule.setup(model, torch.Generator().manual_seed(1))
    total = {name: torch.zeros_like(grad) for name, grad in want.items()}
    for _ in range(200):
        for name, grad in gradients(model, rule, images, labels).items():
            total[name] += grad

    angles = {name: angle_degrees(total[name], want[name]) for name in want if "weight" in name}
    assert angles["fc2.weight"] < 30, angles
    assert all(angle < 85 for angle in angles.values()), angles


def test_a_rules_own_dropout_changes_training_only(batch):
    torch.manual_seed(0)
    model = LeNet5()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    get_rule("feedback-alignment").setup(model, torch.Generator().manual_seed(0))
    assert get_rule("feedback-alignment").dropout == 0.0
    assert model.dropout.p == 0.0
    assert_same(model.state_dict(), state)  # the checkpointed network is unchanged


def test_hebbian_threshold_is_minus_the_mean_drive(batch):
    model, rule, weight = hebbian_step(batch)
    images, _ = batch
    drive = F.conv2d(images, weight, padding=2)  # with the weights the batch met
    torch.testing.assert_close(model.conv1.bias.detach(), -drive.mean((0, 2, 3)))
