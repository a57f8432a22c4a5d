"""End to end: train on a real MNIST subset, evaluate, predict, resume after a kill, repeat."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import time

import numpy as np
from PIL import Image
from safetensors.torch import load_file

from lenetlab.training.config import TrainConfig
from tests.cli.conftest import QUICK, read_metrics


def mnist_test_digits(datasets_dir, count):
    with gzip.open(datasets_dir / "mnist" / "t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(datasets_dir / "mnist" / "t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images[:count], labels[:count]


def test_data_reports_the_splits(lenetlab):
    done = lenetlab("data", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["train"], summary["val"], summary["test"]) == (55000, 5000, 10000)
    assert summary["source"] == "LENETLAB_DATA"


def test_train_writes_checkpoints_and_metrics(trained_run):
    for name in ("best.safetensors", "best.json", "last.safetensors", "last.json"):
        assert (trained_run / name).is_file(), name
    rows = read_metrics(trained_run)
    assert [row["epoch"] for row in rows] == [1, 2]
    meta = json.loads((trained_run / "last.json").read_text())
    assert meta["arch"] == "lenet5" and meta["dataset"] == "mnist" and meta["epoch"] == 2
    assert set(meta["dataset_checksums"]) and meta["versions"]["torch"]
    assert meta["config"]["limit"] == 8000
    assert meta["config"]["label_smoothing"] == TrainConfig.label_smoothing  # backprop's recipe


def test_evaluate_json_is_far_above_chance(lenetlab, trained_run):
    done = lenetlab("evaluate", trained_run, "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["accuracy"] > 0.9
    assert len(result["per_class"]) == 10 and len(result["confusion"]) == 10
    assert sum(map(sum, result["confusion"])) == 10000


def test_predict_reads_mnist_digits_of_any_size(lenetlab, trained_run, datasets_dir, tmp_path):
    images, labels = mnist_test_digits(datasets_dir, 20)
    paths = []
    for i, image in enumerate(images):
        size = 28 * (1 + i % 4)  # 28 to 112 pixels a side
        path = tmp_path / f"digit{i}.png"
        Image.fromarray(image).resize((size, size), Image.BILINEAR).save(path)
        paths.append(path)

    done = lenetlab("predict", trained_run, *paths, "--json")
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["path"] for a in answers] == [str(p) for p in paths]
    for answer in answers:
        assert abs(sum(answer["probabilities"]) - 1) < 1e-3
    correct = sum(a["digit"] == int(y) for a, y in zip(answers, labels))
    assert correct >= 17


def test_same_seed_gives_same_metrics(lenetlab, trained_run, tmp_path):
    again = tmp_path / "again"
    done = lenetlab("train", *QUICK, "--out", again)
    assert done.returncode == 0, done.stderr
    assert read_metrics(again) == read_metrics(trained_run)


def test_resume_after_kill_matches_an_uninterrupted_run(cli_env, lenetlab, trained_run, tmp_path):
    out = tmp_path / "killed"
    args = [sys.executable, "-m", "lenetlab.cli.main", "train", *QUICK, "--out", str(out)]
    process = subprocess.Popen(args, env=cli_env, stderr=subprocess.DEVNULL)

    # kill it hard in the middle of epoch 2, right after epoch 1's checkpoint landed
    deadline = time.monotonic() + 240
    while not (out / "last.json").exists():
        assert process.poll() is None, "training ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert json.loads((out / "last.json").read_text())["epoch"] == 1

    done = lenetlab("train", "--out", out, "--resume", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert read_metrics(out) == read_metrics(trained_run)
    resumed = load_file(out / "last.safetensors")
    reference = load_file(trained_run / "last.safetensors")
    for name, tensor in reference.items():
        if name.startswith("model."):
            assert (resumed[name] == tensor).all(), name


def test_train_refuses_to_overwrite_a_run(lenetlab, trained_run):
    before = (trained_run / "last.safetensors").read_bytes()
    done = lenetlab("train", *QUICK, "--out", trained_run)
    assert done.returncode != 0
    assert "--resume" in done.stderr and "Traceback" not in done.stderr
    assert (trained_run / "last.safetensors").read_bytes() == before
