"""``lenetlab compare`` end to end on a tiny budget: folders, tables, angles and figures."""

from __future__ import annotations

import csv
import json

from lenetlab.cli.main import main
from lenetlab.training.checkpoint import load_model
from lenetlab.training.config import TrainConfig


def test_compare_writes_runs_tables_angles_and_figures(data_dir, tmp_path):
    out = tmp_path / "cmp"
    code = main(
        [
            "-q", "compare", "--rules", "backprop,feedback-alignment,random-features",
            "--seeds", "1", "--epochs", "1", "--limit", "6000", "--angle-every", "10",
            "--threads", "1", "--data-dir", data_dir, "--no-download", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0

    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [row["rule"] for row in rows] == ["backprop", "feedback-alignment", "random-features"]
    assert all(0.1 < float(row["test_accuracy_mean"]) <= 1 for row in rows)
    # each rule's own precision, shown beside its time per epoch
    auto = TrainConfig().precision
    assert [row["precision"] for row in rows] == [auto, "float32", "float32"]
    assert "| backprop | lenet5 |" in (out / "results.md").read_text()

    angles = [json.loads(line) for line in (out / "angles.jsonl").read_text().splitlines()]
    backprop = [r["angle"] for r in angles if r["rule"] == "backprop"]
    assert backprop and max(backprop) < 1e-3  # backprop's update is the gradient
    feedback = {r["layer"] for r in angles if r["kind"] == "feedback-vs-forward"}
    assert feedback == {"conv2", "conv3", "fc1", "fc2"}
    for name in ("accuracy.png", "angles.png", "feedback_angles.png"):
        assert (out / name).stat().st_size > 1000

    _, meta = load_model(out / "feedback-alignment-seed0")
    assert meta["rule"] == "feedback-alignment" and meta["epoch"] == 1


def test_compare_trains_every_rule_in_the_precision_asked(data_dir, tmp_path):
    out = tmp_path / "cmp"
    code = main(
        [
            "-q", "compare", "--rules", "backprop,sign-symmetry", "--precision", "float32",
            "--seeds", "1", "--epochs", "1", "--limit", "1500", "--threads", "1",
            "--data-dir", data_dir, "--no-download", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0

    for run in ("backprop-seed0", "sign-symmetry-seed0"):
        _, meta = load_model(out / run)
        assert meta["config"]["precision"] == "float32"
    assert "| float32 |" in (out / "results.md").read_text()
