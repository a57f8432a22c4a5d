"""Fixtures for the imaging tests: real MNIST test digits, and how to compare two frames.

The digits come from the MNIST test set, found through ``$LENETLAB_TEST_DATA``
(a folder holding ``mnist/``) or in ``shared/datasets`` beside the repository;
the tests that need them are skipped when neither exists.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

SHARED_DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"

# How many test digits the capture tests run on: enough for stable statistics, fast.
SAMPLE_SIZE = 40


def _mnist_dir() -> Path:
    configured = os.environ.get("LENETLAB_TEST_DATA")
    return (Path(configured) if configured else SHARED_DATASETS) / "mnist"


def _read_idx(path: Path, header_bytes: int) -> np.ndarray:
    with gzip.open(path, "rb") as stream:
        return np.frombuffer(stream.read(), dtype=np.uint8, offset=header_bytes)


@pytest.fixture(scope="session")
def mnist_test() -> tuple[np.ndarray, np.ndarray]:
    """All 10,000 MNIST test images, (10000, 28, 28) uint8, and their labels."""
    directory = _mnist_dir()
    images_path = directory / "t10k-images-idx3-ubyte.gz"
    if not images_path.is_file():
        pytest.skip(f"MNIST test images not found in {directory}; set LENETLAB_TEST_DATA")
    images = _read_idx(images_path, 16).reshape(-1, 28, 28)
    labels = _read_idx(directory / "t10k-labels-idx1-ubyte.gz", 8)
    return images, labels


@pytest.fixture(scope="session")
def digits(mnist_test) -> np.ndarray:
    """A fixed sample of test digits, (SAMPLE_SIZE, 28, 28) uint8: every 97th image."""
    images, _ = mnist_test
    return images[:: len(images) // SAMPLE_SIZE][:SAMPLE_SIZE]
