"""Weights that load but cannot mean anything are refused with a one-line error."""

from __future__ import annotations

import pytest
import torch

from lenetlab.errors import CheckpointError
from lenetlab.models import LeNet5
from lenetlab.training.checkpoint import Checkpoint, load_model, save_checkpoint


def write(path, weights) -> None:
    meta = {"arch": "lenet5", "dataset": "mnist", "epoch": 1}
    save_checkpoint(path, Checkpoint(model=weights, optimizer={}, rule={}, rng=None, meta=meta))


def test_sound_weights_load(tmp_path):
    write(tmp_path / "ok.safetensors", LeNet5("lenet5").state_dict())

    model, meta = load_model(tmp_path / "ok.safetensors")
    assert meta["arch"] == "lenet5" and not model.training


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda w: w.fill_(float("nan")), "NaN or infinite"),
        (lambda w: w.fill_(float("inf")), "NaN or infinite"),
    ],
)
def test_non_finite_weights_are_refused(tmp_path, damage, message):
    weights = LeNet5("lenet5").state_dict()
    damage(weights["fc1.weight"])
    write(tmp_path / "bad.safetensors", weights)

    with pytest.raises(
        CheckpointError, match=f"bad.safetensors: weight fc1.weight holds {message}"
    ):
        load_model(tmp_path / "bad.safetensors")


def test_integer_weights_are_refused(tmp_path):
    weights = LeNet5("lenet5").state_dict()
    weights["conv2.weight"] = torch.zeros_like(weights["conv2.weight"], dtype=torch.int32)
    write(tmp_path / "int.safetensors", weights)

    with pytest.raises(CheckpointError, match="conv2.weight is torch.int32"):
        load_model(tmp_path / "int.safetensors")
