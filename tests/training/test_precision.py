"""The precision setting: how it resolves, what it refuses, and that bfloat16 runs stay float32
where it matters (saved weights, the weight average, evaluation)."""

from __future__ import annotations

import pytest
import torch

from lenetlab.cli.main import main
from lenetlab.errors import ConfigError
from lenetlab.lab.angles import angle_degrees
from lenetlab.models import LeNet5
from lenetlab.rules import get_rule
from lenetlab.rules.layers import LAYERS, layer_call
from lenetlab.training.checkpoint import load_checkpoint
from lenetlab.training.config import TrainConfig
from lenetlab.training.loop import train
from lenetlab.training.precision import autocast, native_bfloat16
from tests.conftest import QUICK_RECIPE

needs_bfloat16 = pytest.mark.skipif(
    not native_bfloat16(), reason="this CPU has no native bfloat16; auto means float32 here"
)


@pytest.fixture(autouse=True)
def one_thread(one_torch_thread):
    """Every test here runs on one PyTorch thread."""


def test_auto_resolves_to_what_this_cpu_runs_natively():
    expected = "bfloat16" if native_bfloat16() else "float32"
    assert TrainConfig().precision == expected
    assert TrainConfig(precision="float32").precision == "float32"


def test_auto_means_float32_for_a_rule_that_needs_it():
    assert TrainConfig(rule="node-perturbation").precision == "float32"
    with pytest.raises(ConfigError, match="rule node-perturbation needs precision float32"):
        TrainConfig(rule="node-perturbation", precision="bfloat16")


def test_an_unknown_precision_is_refused_with_the_known_ones():
    with pytest.raises(ConfigError, match="precision must be one of auto, float32, bfloat16"):
        TrainConfig(precision="half")


def test_settings_saved_before_the_precision_setting_mean_float32():
    saved = TrainConfig().to_dict()
    del saved["precision"]
    assert TrainConfig.from_dict(saved).precision == "float32"


def test_node_perturbation_refuses_bfloat16_before_loading_data(tmp_path, capsys):
    code = main(
        ["train", "--rule", "node-perturbation", "--precision", "bfloat16"]
        + ["--data-dir", str(tmp_path / "nowhere"), "--no-download", "--out", str(tmp_path / "r")]
    )
    message = capsys.readouterr().err.strip()
    assert code != 0 and message.count("\n") == 0
    assert "rule node-perturbation needs precision float32, got bfloat16" in message
    assert not (tmp_path / "r").exists()


@needs_bfloat16
@pytest.mark.parametrize("name", ["feedback-alignment", "sign-symmetry"])
def test_feedback_rules_under_bfloat16_follow_backprop_when_feedback_is_the_weights(name):
    # the custom backward passes get a bfloat16 error and float32 weights; with feedback equal
    # to the forward weights they must give backprop's bfloat16 gradient, not fail or drift
    torch.manual_seed(0)
    model = LeNet5()
    images, labels = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))
    rule = get_rule(name)
    rule.setup(model, torch.Generator().manual_seed(0))
    model.dropout.p = 0.0
    if name == "feedback-alignment":
        rule.feedback = {n: layer_call(model, n).weight.detach().clone() for n in rule.feedback}
    else:
        rule.magnitude = "exact"

    grads = {}
    for which in (get_rule("backprop"), rule):
        model.zero_grad(set_to_none=True)
        with autocast("bfloat16"):
            which.compute_gradients(model, images, labels)
        grads[which.name] = {n: getattr(model, n).weight.grad.clone() for n in LAYERS}

    for layer in LAYERS:
        got, want = grads[name][layer], grads["backprop"][layer]
        assert got.dtype == torch.float32  # the optimiser sees float32 gradients
        assert angle_degrees(got, want) < 1.0, layer


@needs_bfloat16
def test_a_bfloat16_run_saves_float32_weights_that_differ_from_a_float32_run(
    datasets_dir, tmp_path
):
    common = dict(**QUICK_RECIPE, epochs=1, limit=600, data_dir=str(datasets_dir))
    runs = {}
    for precision in ("bfloat16", "float32"):
        train(TrainConfig(**common, precision=precision), tmp_path / precision)
        runs[precision] = load_checkpoint(tmp_path / precision / "last.safetensors")

    bf16 = runs["bfloat16"]
    assert bf16.meta["config"]["precision"] == "bfloat16"
    assert all(t.dtype == torch.float32 for t in {**bf16.model, **bf16.raw}.values())
    # the setting reaches the step: the same seed in float32 ends elsewhere
    assert not torch.equal(bf16.raw["conv2.weight"], runs["float32"].raw["conv2.weight"])


@needs_bfloat16
def test_resume_refuses_another_precision_than_the_run(datasets_dir, tmp_path, capsys):
    out = tmp_path / "run"
    config = TrainConfig(**QUICK_RECIPE, epochs=1, limit=300, data_dir=str(datasets_dir))
    train(config, out)

    code = main(["train", "--out", str(out), "--resume", "--precision", "float32"])

    assert code != 0
    assert "--precision float32 (run: bfloat16)" in capsys.readouterr().err
