"""A run that diverges says truthfully what it leaves behind, and leaves no empty folder."""

from __future__ import annotations

import pytest
import torch

from lenetlab.training.checkpoint import load_checkpoint
from lenetlab.training.config import TrainConfig
from lenetlab.training.loop import Reporter, TrainingDiverged, train


@pytest.fixture
def tiny(datasets_dir):
    def config(**settings) -> TrainConfig:
        return TrainConfig(
            limit=300, data_dir=str(datasets_dir), download=False, threads=1, **settings
        )

    return config


class PoisonSecondEpoch(Reporter):
    """Makes the weights infinite at the first update of epoch 2: the next loss diverges."""

    def epoch_started(self, epoch: int, epochs: int, steps: int) -> None:
        self.poison = epoch == 2

    @torch.no_grad()
    def update_ready(self, step, model, rule, batch) -> None:
        if self.poison:
            model.fc2.weight.fill_(float("inf"))
            self.poison = False


def test_diverging_before_any_checkpoint_says_so_and_leaves_no_folder(tiny, tmp_path):
    out = tmp_path / "run"

    with pytest.raises(TrainingDiverged, match="there is no checkpoint yet") as diverged:
        train(tiny(epochs=1, lr=float("inf")), out)

    assert "kept" not in str(diverged.value)
    assert not out.exists()


def test_diverging_keeps_a_folder_the_user_made(tiny, tmp_path):
    out = tmp_path / "made-by-the-user"
    out.mkdir()

    with pytest.raises(TrainingDiverged, match="there is no checkpoint yet"):
        train(tiny(epochs=1, lr=float("inf")), out)

    assert out.is_dir()


def test_diverging_after_a_checkpoint_keeps_it(tiny, tmp_path):
    out = tmp_path / "run"

    with pytest.raises(TrainingDiverged, match=f"the last good checkpoint in {out} is kept"):
        train(tiny(epochs=2), out, reporter=PoisonSecondEpoch())

    assert load_checkpoint(out / "last.safetensors").meta["epoch"] == 1
