"""The data set's test digits, for the page's "random MNIST digit" button.

Loaded once when the server starts; a server without the data still runs,
and the button's endpoint explains what is missing:

    digits = TestDigits.load("mnist", data_dir=None)  # or TestDigits.unavailable(reason)
    if digits.available:
        index, image, label = digits.pick()  # image: (28, 28) uint8, white on black
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lenetlab.data import locate_dataset, read_idx
from lenetlab.errors import DataError


@dataclass(frozen=True)
class TestDigits:
    """A data set's test images and labels, or the reason they could not be loaded."""

    dataset: str
    images: np.ndarray | None  # (N, 28, 28) uint8
    labels: np.ndarray | None  # (N,) uint8
    reason: str | None = None  # why images is None
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    __test__ = False  # a data class, not a pytest test class

    @classmethod
    def load(cls, dataset: str, data_dir: str | Path | None = None) -> TestDigits:
        """Find the test split on disk (never downloading); unavailable if it is not there."""
        try:
            files = locate_dataset(dataset, data_dir, download=False)
            images = read_idx(files.paths["test_images"], ndim=3)
            labels = read_idx(files.paths["test_labels"], ndim=1)
        except DataError as error:
            return cls.unavailable(dataset, f"no {dataset} test digits: {error}")
        if len(images) != len(labels) or len(images) == 0:
            return cls.unavailable(
                dataset, f"no {dataset} test digits: {len(images)} images, {len(labels)} labels"
            )
        return cls(dataset, images, labels)

    @classmethod
    def unavailable(cls, dataset: str, reason: str) -> TestDigits:
        return cls(dataset, None, None, reason)

    @property
    def available(self) -> bool:
        return self.images is not None

    def __len__(self) -> int:
        return 0 if self.labels is None else len(self.labels)

    def pick(self, index: int | None = None) -> tuple[int, np.ndarray, int]:
        """Test digit ``index`` (a random one by default): its index, image and label."""
        if self.images is None or self.labels is None:
            raise LookupError(self.reason)
        if index is None:
            index = self.rng.randrange(len(self))
        if not 0 <= index < len(self):
            raise IndexError(f"index must be from 0 to {len(self) - 1}, got {index}")
        return index, self.images[index], int(self.labels[index])
