"""Fixtures for the web tests: a real model trained on real MNIST, and the app serving it.

The model is trained once per session (8,000 examples, 3 epochs: about 96% on
the test set in seconds); :mod:`tests.web.drawn` makes the images.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lenetlab.inference import Recogniser
from lenetlab.training.config import TrainConfig
from lenetlab.training.loop import train
from lenetlab.web import TestDigits, create_app
from tests.conftest import QUICK_RECIPE


@pytest.fixture(scope="session")
def web_run(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("web-run")
    config = TrainConfig(
        **QUICK_RECIPE,
        limit=8000,
        epochs=3,
        threads=1,
        data_dir=str(datasets_dir),
        download=False,
    )
    train(config, out)
    return out


@pytest.fixture(scope="session")
def recogniser(web_run: Path) -> Recogniser:
    return Recogniser.from_checkpoint(web_run)


@pytest.fixture(scope="session")
def test_digits(datasets_dir: Path) -> TestDigits:
    digits = TestDigits.load("mnist", datasets_dir)
    assert digits.available, digits.reason
    return digits


@pytest.fixture(scope="session")
def app(recogniser: Recogniser, test_digits: TestDigits):
    return create_app(recogniser, test_digits)
