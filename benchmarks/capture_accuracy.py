"""Accuracy on real-world captures of the 10,000 MNIST test digits, per kind of capture.

Every test digit is turned into each kind of file a user hands lenetlab
(ink on white, a transparent PNG, a photo of paper as a JPEG, a thick marker,
a tiny digit in a large page, other pixel modes, a rotated camera image, and
numbers of several digits), read back through :mod:`lenetlab.imaging` and
classified. The reference is the same model on the clean test images as the
data set stores them, measured in the same run; the bar is every kind within
2 points of it. The naive pipeline (grey, resize to 28x28, no inversion or
framing) is measured too, as the baseline a user would otherwise have.

    python benchmarks/capture_accuracy.py RUN_DIR              # all 10,000 digits
    python benchmarks/capture_accuracy.py RUN_DIR --count 500  # a quick look
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, write_results  # noqa: E402

from lenetlab.data import load_splits, normalize_images  # noqa: E402
from lenetlab.imaging import captures  # noqa: E402
from lenetlab.imaging.preprocessing import preprocess_digit  # noqa: E402
from lenetlab.inference import Recogniser  # noqa: E402
from lenetlab.training.evaluation import evaluate  # noqa: E402

NUMBER_LENGTH = 4  # digits per synthetic number


def naive_frame(data: bytes) -> np.ndarray:
    """What a first attempt does: grey, shrink the whole image to 28x28, nothing else."""
    image = Image.open(io.BytesIO(data)).convert("L").resize((28, 28), Image.BILINEAR)
    return np.asarray(image, dtype=np.float32) / 255.0


def read_kind(recogniser, kind, images, labels, seed):
    """Accuracy of lenetlab's pipeline and of the naive one on one kind of capture."""
    capture = captures.CAPTURES[kind]
    rng = np.random.default_rng(seed)
    frames, naive = [], []
    started = time.perf_counter()
    for digit in images:
        data = capture(digit, rng)
        frames.append(preprocess_digit(data))
        naive.append(naive_frame(data))
    seconds = time.perf_counter() - started
    predicted = recogniser.classify(np.stack(frames)).argmax(1)
    naive_predicted = recogniser.classify(np.stack(naive)).argmax(1)
    return {
        "accuracy": float((predicted == labels).mean()),
        "naive_accuracy": float((naive_predicted == labels).mean()),
        "ms_per_image": 1000 * seconds / len(images),
    }


def read_numbers(recogniser, images, labels, seed):
    """Digit and whole-number accuracy on numbers of NUMBER_LENGTH test digits in a row."""
    rng = np.random.default_rng(seed)
    usable = len(images) - len(images) % NUMBER_LENGTH
    digits_right = numbers_right = miscounted = 0
    for start in range(0, usable, NUMBER_LENGTH):
        group = images[start : start + NUMBER_LENGTH]
        truth = labels[start : start + NUMBER_LENGTH]
        reading = recogniser.read(captures.capture_number(list(group), rng))
        found = [d.digit for d in reading.digits]
        if len(found) != NUMBER_LENGTH:
            miscounted += 1
            continue
        right = int((np.array(found) == truth).sum())
        digits_right += right
        numbers_right += right == NUMBER_LENGTH
    numbers = usable // NUMBER_LENGTH
    return {
        "accuracy": digits_right / usable,
        "number_accuracy": numbers_right / numbers,
        "miscounted": miscounted / numbers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="run folder or checkpoint of a trained model")
    parser.add_argument("--count", type=int, default=10_000, help="test digits to use")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    recogniser = Recogniser.from_checkpoint(args.checkpoint)
    test = load_splits(recogniser.meta["dataset"]).test
    images = test.images.numpy()[: args.count]
    labels = test.labels.numpy()[: args.count]

    inputs = normalize_images(test.images[: args.count], recogniser.meta["dataset"])
    reference = evaluate(recogniser.model, inputs, test.labels[: args.count]).accuracy

    kinds = {}
    for offset, kind in enumerate(captures.CAPTURES):
        kinds[kind] = read_kind(recogniser, kind, images, labels, args.seed + offset)
        kinds[kind]["points_below_reference"] = 100 * (reference - kinds[kind]["accuracy"])
        print(f"{kind:12} {kinds[kind]['accuracy']:.2%}", flush=True)
    kinds["number"] = read_numbers(recogniser, images, labels, args.seed + 100)
    kinds["number"]["points_below_reference"] = 100 * (reference - kinds["number"]["accuracy"])

    results = {
        "machine": machine(),
        "checkpoint": str(args.checkpoint),
        "count": len(labels),
        "reference_accuracy": reference,
        "kinds": kinds,
        "worst_points_below_reference": max(k["points_below_reference"] for k in kinds.values()),
    }
    lines = [
        f"Reference: the model on the {len(labels)} clean test images, {reference:.2%}.",
        "",
        "| capture | lenetlab | points below reference | naive resize | ms per image |",
        "| --- | --- | --- | --- | --- |",
    ]
    for kind, row in kinds.items():
        naive = f"{row['naive_accuracy']:.2%}" if "naive_accuracy" in row else "-"
        ms = f"{row['ms_per_image']:.1f}" if "ms_per_image" in row else "-"
        lines.append(
            f"| {kind} | {row['accuracy']:.2%} | {row['points_below_reference']:.2f} | "
            f"{naive} | {ms} |"
        )
    number = kinds["number"]
    lines.append("")
    lines.append(
        f"Numbers of {NUMBER_LENGTH} digits: {number['number_accuracy']:.2%} read entirely right, "
        f"{number['miscounted']:.2%} split into the wrong number of digits."
    )
    markdown = "\n".join(lines) + "\n"
    print(markdown)
    print("written:", write_results("capture_accuracy", results, markdown))


if __name__ == "__main__":
    main()
