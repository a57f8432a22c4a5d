"""Load a data set into memory as train, validation and test tensors.

The 60,000 training examples are split in order: the first 55,000 train and
the last 5,000 validate (``val_size``), so the split is the same on every
machine without a seed, and the 10,000 test examples stay untouched until the
final evaluation. Images stay uint8 ``(N, 28, 28)`` to keep memory small (47 MB
for the training set); :func:`normalize_images` turns a batch into the float
``(N, 1, 28, 28)`` input the network takes. The training loop batches by
indexing these tensors, so there is no DataLoader.

    splits = load_splits("mnist", limit=1000)  # a quick run on 1,000 examples
    x = normalize_images(splits.train.images[:64], splits.dataset)  # (64, 1, 28, 28)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lenetlab.data.datasets import DatasetInfo, get_dataset_info
from lenetlab.data.idx import read_idx
from lenetlab.data.locate import locate_dataset
from lenetlab.errors import ConfigError, DataError

log = logging.getLogger(__name__)

DEFAULT_VAL_SIZE = 5_000


@dataclass(frozen=True)
class Split:
    """Images and their labels, one example per row."""

    images: torch.Tensor  # uint8, (N, 28, 28)
    labels: torch.Tensor  # int64, (N,)

    def __len__(self) -> int:
        return self.labels.shape[0]


@dataclass(frozen=True)
class Splits:
    """A data set loaded for training, with what a checkpoint should record about it."""

    dataset: str  # registry name, e.g. "mnist"
    train: Split
    val: Split  # the last val_size training examples
    test: Split
    checksums: dict[str, str]  # SHA-256 of each decompressed file, by its raw name
    source: str  # which lookup step found the files, see lenetlab.data.locate


def load_splits(
    name: str = "mnist",
    data_dir: str | Path | None = None,
    download: bool = True,
    val_size: int = DEFAULT_VAL_SIZE,
    limit: int | None = None,
) -> Splits:
    """Find, check and load data set ``name`` as train, validation and test splits.

    ``limit`` keeps only the first ``limit`` training examples for quick runs;
    the validation split is still the last ``val_size`` of the training file,
    so runs with and without a limit are validated alike.
    """
    info = get_dataset_info(name)
    num_train = info.files["train_images"].count
    if not 0 <= val_size < num_train:
        raise ConfigError(f"val_size must be from 0 to {num_train - 1}, got {val_size}")
    if limit is not None and limit < 1:
        raise ConfigError(f"limit must be at least 1, got {limit}")
    if limit is not None and limit > num_train - val_size:
        log.warning(
            "limit %d is more than the %d training images left after validation; using all %d",
            limit, num_train - val_size, num_train - val_size,
        )  # fmt: skip

    files = locate_dataset(name, data_dir, download)
    train_images, train_labels = _load_pair(
        files.paths["train_images"], files.paths["train_labels"], info
    )
    test_images, test_labels = _load_pair(
        files.paths["test_images"], files.paths["test_labels"], info
    )

    # the validation split comes off the end, the training split off the front
    cut = num_train - val_size
    train = Split(train_images[:cut][:limit], train_labels[:cut][:limit])
    val = Split(train_images[cut:], train_labels[cut:])
    test = Split(test_images, test_labels)
    return Splits(info.name, train, val, test, info.checksums, files.source)


def _load_pair(
    images_path: Path, labels_path: Path, info: DatasetInfo
) -> tuple[torch.Tensor, torch.Tensor]:
    """Read an images file and its labels file, checking that they belong together."""
    images = read_idx(images_path, ndim=3)  # (N, 28, 28)
    labels = read_idx(labels_path, ndim=1)  # (N,)

    size = info.image_size
    if images.shape[1:] != (size, size):
        shape = "x".join(str(d) for d in images.shape[1:])
        raise DataError(f"{images_path}: images are {shape}, expected {size}x{size}")
    if len(labels) != len(images):
        raise DataError(
            f"{labels_path}: {len(labels)} labels for the {len(images)} images in {images_path}"
        )
    if len(labels) and labels.max() >= info.num_classes:
        raise DataError(
            f"{labels_path}: label {labels.max()} is out of range for {info.num_classes} classes"
        )

    return torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))


def normalize_images(images: torch.Tensor, name: str = "mnist") -> torch.Tensor:
    """uint8 images ``(N, 28, 28)`` as the float32 ``(N, 1, 28, 28)`` input of the network.

    Pixels are scaled to [0, 1], then shifted and scaled by the data set's
    training mean and standard deviation, the usual input for LeNet-5 on MNIST.
    """
    if images.dtype != torch.uint8 or images.dim() != 3:
        raise ValueError(
            f"expected uint8 images of shape (N, H, W), got {images.dtype} {tuple(images.shape)}"
        )
    info = get_dataset_info(name)
    pixels = images.to(torch.float32).unsqueeze(1) / 255.0  # (N, 1, 28, 28)
    return (pixels - info.mean) / info.std
