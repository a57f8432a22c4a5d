"""A run that diverges says truthfully what it leaves behind, and leaves no empty folder."""

from __future__ import annotations

import pytest
import torch

from lenetlab.training.checkpoint import load_checkpoint
from lenetlab.training.config import TrainConfig
from lenetlab.training.loop import Reporter, TrainingDiverged, train
from tests.conftest import QUICK_RECIPE


@pytest.fixture
def tiny(datasets_dir):
    def config(**settings) -> TrainConfig:
        return TrainConfig(
            **{**QUICK_RECIPE, **settings},
            limit=300,
            data_dir=str(datasets_dir),
            download=False,
            threads=1,
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
        train(tiny(epochs=1, lr=1e30), out)

    assert "kept" not in str(diverged.value)
    assert not out.exists()


def test_diverging_keeps_a_folder_the_user_made(tiny, tmp_path):
    out = tmp_path / "made-by-the-user"
    out.mkdir()

    with pytest.raises(TrainingDiverged, match="there is no checkpoint yet"):
        train(tiny(epochs=1, lr=1e30), out)

    assert out.is_dir()


def test_diverging_after_a_checkpoint_keeps_it(tiny, tmp_path):
    out = tmp_path / "run"

    with pytest.raises(TrainingDiverged, match=f"the last good checkpoint in {out} is kept"):
        train(tiny(epochs=2), out, reporter=PoisonSecondEpoch())

    assert load_checkpoint(out / "last.safetensors").meta["epoch"] == 1


class PoisonLastUpdate(Reporter):
    """Makes the weights infinite at the last update of epoch 2, after its last loss."""

    def epoch_started(self, epoch: int, epochs: int, steps: int) -> None:
        self.poison_at = steps - 1 if epoch == 2 else None
        self.step = -1

    @torch.no_grad()
    def update_ready(self, step, model, rule, batch) -> None:
        self.step += 1
        if self.step == self.poison_at:
            model.fc2.weight.fill_(float("inf"))


def test_diverging_at_an_epochs_last_update_saves_no_broken_checkpoint(tiny, tmp_path):
    out = tmp_path / "run"

    with pytest.raises(TrainingDiverged, match="weights no longer finite"):
        train(tiny(epochs=3), out, reporter=PoisonLastUpdate())

    kept = load_checkpoint(out / "last.safetensors")
    assert kept.meta["epoch"] == 1
    assert all(torch.isfinite(weight).all() for weight in kept.model.values())
