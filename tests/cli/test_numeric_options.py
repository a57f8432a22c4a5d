"""Numeric options out of range are refused by argparse, before any data is loaded."""

from __future__ import annotations

import pytest
import torch

from lenetlab.cli.main import main
from lenetlab.cli.options import MAX_SEED
from lenetlab.training.loop import epoch_permutation


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--threads", "-1"], "--threads: must be from 1 to 256, got -1"),
        (["train", "--threads", "0"], "--threads: must be from 1 to 256, got 0"),
        (["compare", "--rules", "backprop", "--threads", "0"], "--threads: must be from 1"),
        (["report", "some-run", "--threads", "-1"], "--threads: must be from 1"),
        (["train", "--seed", "99999999999999999999"], f"--seed: must be from 0 to {MAX_SEED}"),
        (["train", "--seed", "-1"], f"--seed: must be from 0 to {MAX_SEED}"),
    ],
)
def test_out_of_range_numbers_are_usage_errors(argv, message, tmp_path, capsys):
    out = tmp_path / "run"
    small = [] if argv[0] == "report" else ["--limit", "300", "--epochs", "1"]  # if accepted

    with pytest.raises(SystemExit) as exit_:
        main([*argv, *small, "--out", str(out)])

    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_the_largest_seed_seeds_every_generator_a_run_uses():
    torch.manual_seed(MAX_SEED)
    torch.Generator().manual_seed(MAX_SEED + 1)  # the learning rule's own generator
    order = epoch_permutation(MAX_SEED, epoch=10_000, size=10)
    assert sorted(order.tolist()) == list(range(10))


@pytest.mark.parametrize("value", ["inf", "1e999", "nan", "0", "-0.1"])
def test_a_learning_rate_that_cannot_train_is_refused_before_any_data(value, tmp_path, capsys):
    out = tmp_path / "run"

    code = main(["train", "--lr", value, "--limit", "300", "--epochs", "1", "--out", str(out)])

    assert code == 1
    assert "lr must be a positive finite number" in capsys.readouterr().err
    assert not out.exists()
