"""Loading real MNIST as tensors, checked against the label counts its README publishes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lenetlab.data import load_splits, normalize_images
from lenetlab.errors import ConfigError

# from the shared copy's README, digits 0 to 9
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(scope="module")
def splits(mnist_dir):
    return load_splits("mnist", data_dir=mnist_dir, download=False)


def test_sizes_types_and_shapes(splits):
    assert (len(splits.train), len(splits.val), len(splits.test)) == (55_000, 5_000, 10_000)
    for split in (splits.train, splits.val, splits.test):
        assert split.images.dtype == torch.uint8
        assert split.images.shape[1:] == (28, 28)
        assert split.labels.dtype == torch.int64
        assert split.labels.shape == (len(split),)


def test_label_counts_match_the_readme(splits):
    train_and_val = torch.cat([splits.train.labels, splits.val.labels])
    assert torch.bincount(train_and_val).tolist() == TRAIN_COUNTS
    assert torch.bincount(splits.test.labels).tolist() == TEST_COUNTS


def test_metadata_for_checkpoints(splits, mnist_dir):
    assert splits.dataset == "mnist"
    assert splits.source == "data_dir"
    sums = dict(
        reversed(line.split()) for line in (mnist_dir / "SHA256SUMS.raw").read_text().splitlines()
    )
    assert splits.checksums == sums


def test_val_size_and_limit(splits, mnist_dir):
    small = load_splits("mnist", data_dir=mnist_dir, download=False, val_size=1_000, limit=100)

    assert (len(small.train), len(small.val), len(small.test)) == (100, 1_000, 10_000)
    assert torch.equal(small.train.images, splits.train.images[:100])
    assert torch.equal(small.val.labels, splits.val.labels[-1_000:])


def test_a_limit_over_the_training_images_uses_all_and_says_so(mnist_dir, caplog):
    big = load_splits("mnist", data_dir=mnist_dir, download=False, limit=100_000)

    assert len(big.train) == 55_000
    assert "limit 100000 is more than the 55000 training images" in caplog.text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"val_size": 60_000}, r"^val_size must be from 0 to 59999, got 60000$"),
        ({"val_size": -1}, r"^val_size must be from 0 to 59999, got -1$"),
        ({"limit": 0}, r"^limit must be at least 1, got 0$"),
    ],
)
def test_bad_options(options, message):
    with pytest.raises(ConfigError, match=message):
        load_splits("mnist", download=False, **options)


def test_normalize_matches_a_hand_calculation(splits):
    images = splits.test.images[:3]
    x = normalize_images(images, "mnist")

    assert x.dtype == torch.float32
    assert x.shape == (3, 1, 28, 28)
    pixel = images[1, 14, 14].item()
    assert x[1, 0, 14, 14].item() == pytest.approx((pixel / 255 - 0.1307) / 0.3081, abs=1e-6)


def test_registry_mean_and_std_are_the_training_set_s(splits):
    """Pixel sums in float64 over chunks of 10,000 images, so memory stays small."""
    images = torch.cat([splits.train.images, splits.val.images])
    total, squares = 0.0, 0.0
    for chunk in images.split(10_000):
        pixels = chunk.to(torch.float64) / 255
        total += pixels.sum().item()
        squares += pixels.square().sum().item()
    mean = total / images.numel()
    std = (squares / images.numel() - mean**2) ** 0.5

    assert mean == pytest.approx(0.1307, abs=5e-5)
    assert std == pytest.approx(0.3081, abs=5e-5)


def test_normalize_refuses_float_input():
    with pytest.raises(ValueError, match=r"expected uint8 images of shape \(N, H, W\)"):
        normalize_images(torch.zeros(2, 28, 28))


def test_fashion_mnist_classes_are_balanced():
    if not FASHION_DIR.is_dir():
        pytest.skip("Debian's dataset-fashion-mnist package is not installed")
    fashion = load_splits("fashion-mnist", data_dir=FASHION_DIR.parent, download=False)

    labels = torch.cat([fashion.train.labels, fashion.val.labels])
    assert torch.bincount(labels).tolist() == [6_000] * 10
    assert torch.bincount(fashion.test.labels).tolist() == [1_000] * 10
    x = normalize_images(fashion.test.images, "fashion-mnist")
    assert abs(x.mean().item()) < 0.02
