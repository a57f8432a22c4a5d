"""``lenetlab compare`` refuses a bad list of specs before it trains any run of it."""

from __future__ import annotations

import pytest

from lenetlab.cli.main import main
from lenetlab.errors import ConfigError
from lenetlab.lab import CompareConfig


@pytest.fixture(autouse=True)
def one_thread(one_torch_thread):
    """Every test here runs on one PyTorch thread."""


@pytest.fixture
def compare(datasets_dir):
    """The command on 300 examples, one seed and one epoch: cheap if it trains by mistake."""

    def run(out, rules: str) -> int:
        return main(
            ["-q", "compare", "--rules", rules, "--seeds", "1", "--epochs", "1"]
            + ["--limit", "300", "--threads", "1", "--data-dir", str(datasets_dir)]
            + ["--no-download", "--out", str(out)]
        )

    return run


def error_line(capsys) -> str:
    error = capsys.readouterr().err.strip()
    assert error.startswith("lenetlab: error: ") and "\n" not in error, error
    return error


@pytest.mark.parametrize(
    ("rules", "repeated"),
    [
        ("backprop,backprop", "'backprop'"),
        ("hebbian@lenet5-wide,hebbian@lenet5-wide", "'hebbian@lenet5-wide'"),
        ("backprop,feedback-alignment,backprop@lenet5", "'backprop'"),
    ],
)
def test_compare_refuses_a_spec_listed_twice(compare, tmp_path, capsys, rules, repeated):
    out = tmp_path / "cmp"

    assert compare(out, rules) == 1

    assert f"rules: {repeated} is listed twice" in error_line(capsys)
    assert not out.exists()


def test_the_config_refuses_a_repeated_spec_when_built():
    with pytest.raises(ConfigError, match="'backprop' is listed twice"):
        CompareConfig(rules=["backprop", "backprop"])


def test_compare_refuses_a_rule_its_architecture_does_not_suit_before_training(
    compare, tmp_path, capsys
):
    out = tmp_path / "cmp"

    assert compare(out, "backprop@lenet5-1998,hebbian@lenet5-1998") == 1

    assert "the linear read-out needs a ReLU, max-pooling network" in error_line(capsys)
    assert not out.exists()  # the backprop run listed first was not trained
