"""An interrupted ``lenetlab compare`` keeps the angles of the epochs it had checkpointed.

A run stopped by an exception from its reporter stands in for Ctrl-C; the
rerun resumes from the last checkpoint, as the command does.
"""

from __future__ import annotations

import json

import pytest

from lenetlab.lab import CompareConfig, run_comparison
from lenetlab.training.loop import Reporter
from tests.interrupt import Killed

RUN = "feedback-alignment-seed0"  # both kinds of angle, 4 steps an epoch on 1000 examples


class KillAtEpochStart(Reporter):
    """Stops the run as its second epoch starts, before any of its steps."""

    def epoch_started(self, epoch, epochs, steps) -> None:
        if epoch == 2:
            raise Killed


class KillMidEpoch(Reporter):
    """Stops the run after the second epoch's first step has been sampled."""

    def __init__(self) -> None:
        self.epoch = 0

    def epoch_started(self, epoch, epochs, steps) -> None:
        self.epoch = epoch

    def step_done(self, loss, correct, count) -> None:
        if self.epoch == 2:
            raise Killed


@pytest.fixture(autouse=True)
def one_thread(one_torch_thread):
    """Every test here runs on one PyTorch thread."""


@pytest.fixture
def config(datasets_dir) -> CompareConfig:
    return CompareConfig(
        rules=["feedback-alignment"],
        seeds=1,
        epochs=2,
        limit=1000,
        angle_every=1,
        data_dir=str(datasets_dir),
        download=False,
        threads=1,
    )


def read_rows(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("killer", [KillAtEpochStart, KillMidEpoch])
def test_a_resumed_comparison_keeps_earlier_angles_once(config, tmp_path, killer):
    whole = tmp_path / "whole"
    run_comparison(config, whole)
    expected = read_rows(whole / RUN / "angles.jsonl")
    assert {row["epoch"] for row in expected} == {1, 2}

    # interrupted in epoch 2: the run folder holds epoch 1's angles and nothing of epoch 2
    cut = tmp_path / "cut"
    with pytest.raises(Killed):
        run_comparison(config, cut, reporter_for=lambda name: killer())
    saved = read_rows(cut / RUN / "angles.jsonl")
    assert saved == [row for row in expected if row["epoch"] == 1]

    result = run_comparison(config, cut)

    rows = read_rows(cut / RUN / "angles.jsonl")
    steps = [row["step"] for row in rows]
    assert sorted(steps) == sorted(row["step"] for row in expected)
    assert len({(row["step"], row["kind"], row["layer"]) for row in rows}) == len(rows)
    assert rows == expected  # resuming replays the run to the bit, angles included
    assert result.runs[0].angles == expected
    summary = read_rows(cut / "angles.jsonl")
    assert [row["step"] for row in summary] == steps
