"""Fixtures for the learning-rule tests: the real MNIST copy and a small seeded batch.

The real files are found through ``$LENETLAB_DATA`` (a folder holding
``mnist/``) or beside the repository in ``../shared/datasets``; the tests that
train are skipped when neither has them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]


def datasets_dir() -> Path:
    configured = os.environ.get("LENETLAB_DATA")
    if configured:
        return Path(configured)
    return REPO_ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def data_dir() -> str:
    directory = datasets_dir()
    if not (directory / "mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real MNIST files not found in {directory / 'mnist'}; set LENETLAB_DATA")
    return str(directory)


@pytest.fixture(autouse=True)
def one_thread(one_torch_thread):
    """Every test here runs on one PyTorch thread."""


@pytest.fixture
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(16, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (16,), generator=generator)
    return images, labels
