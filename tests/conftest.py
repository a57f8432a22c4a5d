"""Shared test set-up: where the real data sets live on development machines and CI.

Tests read real MNIST. They find it through ``$LENETLAB_DATA`` or, failing
that, in ``shared/datasets`` beside the repository, as laid out for CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# the tests' models train for an epoch or two on a few thousand images, where the default
# batch of 512 gives too few steps; they take the smaller batch their thresholds were set at
QUICK_RECIPE = {"batch_size": 256, "lr": 4e-3}


def shared_datasets() -> Path | None:
    for candidate in (os.environ.get("LENETLAB_DATA"), REPO.parent / "shared" / "datasets"):
        if candidate and (Path(candidate) / "mnist").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    found = shared_datasets()
    if found is None:
        pytest.skip("real MNIST not found: set LENETLAB_DATA to a folder holding mnist/")
    return found


@pytest.fixture
def one_torch_thread():
    """Tests share the machine's cores; one PyTorch thread keeps them from slowing each other."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright; its own browser downloads are unused."""
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found; install it with: apt-get install -y chromium")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()
