"""Make the sample images in ``examples/`` from MNIST test digits (run once; output is committed).

Each sample is one kind of capture a user hands lenetlab: a phone photo of
ink on paper, a drawing-app export with a transparent background, dark ink on
white, and a number of several digits. The digit in each file name is the
true label, so a reader can check ``lenetlab predict``'s answers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lenetlab.data import load_splits
from lenetlab.imaging import captures

OUT = Path(__file__).resolve().parents[1] / "examples"


def first_of(labels: np.ndarray, digit: int, skip: int = 0) -> int:
    return int(np.flatnonzero(labels == digit)[skip])


def main() -> None:
    test = load_splits("mnist").test
    images, labels = test.images.numpy(), test.labels.numpy()
    rng = np.random.default_rng(2026)
    OUT.mkdir(exist_ok=True)

    samples = {
        "photo-3.jpg": captures.capture_photo(images[first_of(labels, 3)], rng),
        "transparent-5.png": captures.capture_transparent(images[first_of(labels, 5)], rng),
        "ink-on-white-8.png": captures.capture_inverted(images[first_of(labels, 8)], rng),
        "marker-4.png": captures.capture_marker(images[first_of(labels, 4)], rng),
        "number-2026.png": captures.capture_number(
            [images[first_of(labels, d, skip=i)] for i, d in enumerate((2, 0, 2, 6))], rng
        ),
    }
    for name, data in samples.items():
        (OUT / name).write_bytes(data)
        print(OUT / name)


if __name__ == "__main__":
    main()
