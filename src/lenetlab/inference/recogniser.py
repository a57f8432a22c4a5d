"""Read the digits in an image with a trained LeNet-5.

The one path from an image to an answer, shared by ``lenetlab predict``, the
web page and the benchmarks: :mod:`lenetlab.imaging` frames every digit it
finds as MNIST framed its digits, and the network classifies the frames.

    recogniser = Recogniser.from_checkpoint("runs/mnist-lenet5-backprop-seed0")
    reading = recogniser.read("photo.jpg")
    reading.number, [d.digit for d in reading.digits]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lenetlab.data import get_dataset_info
from lenetlab.imaging.preprocessing import Preprocessed, preprocess
from lenetlab.models import LeNet5
from lenetlab.training.checkpoint import load_model


@dataclass
class DigitReading:
    digit: int  # the most probable class
    probabilities: list[float]  # one per class, summing to 1
    box: tuple[int, int, int, int]  # (left, top, right, bottom) in the source image
    image: np.ndarray  # the 28x28 frame the network saw, in [0, 1]
    maps: dict[str, np.ndarray] | None = None  # layer outputs, when read asked for them


@dataclass
class Reading:
    """What the network read in one image: its digits from left to right."""

    digits: list[DigitReading]
    preprocessed: Preprocessed

    @property
    def empty(self) -> bool:
        return not self.digits

    @property
    def number(self) -> str | None:
        """The digits read as one number, e.g. ``"2026"``; None when nothing was drawn."""
        return "".join(str(d.digit) for d in self.digits) or None

    def to_dict(self) -> dict[str, Any]:
        single = self.digits[0] if len(self.digits) == 1 else None
        return {
            "digit": single.digit if single else None,
            "probabilities": single.probabilities if single else None,
            "number": self.number,
            "digits": [
                {"digit": d.digit, "probabilities": d.probabilities, "box": list(d.box)}
                for d in self.digits
            ],
            "empty": self.empty,
        }


class Recogniser:
    """A trained network plus the normalisation its training data used."""

    def __init__(self, model: LeNet5, meta: dict[str, Any]) -> None:
        self.model = model.eval()
        self.meta = meta
        info = get_dataset_info(meta.get("dataset", "mnist"))
        self.mean, self.std = info.mean, info.std

    @classmethod
    def from_checkpoint(cls, path: str | Path) -> Recogniser:
        model, meta = load_model(path)
        return cls(model, meta)

    def to_input(self, frames: np.ndarray) -> torch.Tensor:
        """(N, 28, 28) frames in [0, 1] as the normalised (N, 1, 28, 28) network input."""
        pixels = torch.as_tensor(frames, dtype=torch.float32).unsqueeze(1)
        return (pixels - self.mean) / self.std

    @torch.no_grad()
    def classify(self, frames: np.ndarray) -> np.ndarray:
        """Class probabilities (N, 10) for (N, 28, 28) frames in [0, 1]."""
        if len(frames) == 0:
            return np.zeros((0, 10), dtype=np.float32)
        logits = self.model(self.to_input(frames))
        return torch.softmax(logits, dim=1).numpy()

    @torch.no_grad()
    def classify_with_maps(
        self, frames: np.ndarray, layers: Sequence[str]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Probabilities as :meth:`classify` gives them, and the named layers' outputs.

        One pass through the network gives both, so the web page's feature maps
        cost no second forward pass. ``layers`` are names from
        :meth:`~lenetlab.models.LeNet5.activations`; each output is an
        ``(N, ...)`` float32 array.
        """
        if len(frames) == 0:
            return np.zeros((0, 10), dtype=np.float32), {}
        outputs = self.model.activations(self.to_input(frames))
        unknown = sorted(set(layers) - set(outputs))
        if unknown:
            raise ValueError(f"unknown layers {unknown}; the network has {list(outputs)}")
        probabilities = torch.softmax(outputs["logits"], dim=1).numpy()
        return probabilities, {name: outputs[name].numpy() for name in layers}

    def read(
        self, source: Any, name_for_errors: str | None = None, maps: Sequence[str] = ()
    ) -> Reading:
        """Find, frame and classify every digit in ``source`` (a path, bytes or an array).

        ``maps`` names layers whose outputs each digit keeps (``DigitReading.maps``).
        """
        prepared = preprocess(source, name_for_errors=name_for_errors)
        if maps:
            probabilities, outputs = self.classify_with_maps(prepared.images, maps)
        else:
            probabilities, outputs = self.classify(prepared.images), {}
        digits = [
            DigitReading(
                digit=int(p.argmax()),
                probabilities=[round(float(x), 6) for x in p],
                box=crop.box,
                image=crop.image,
                maps={name: out[i] for name, out in outputs.items()} if maps else None,
            )
            for i, (crop, p) in enumerate(zip(prepared.digits, probabilities))
        ]
        return Reading(digits=digits, preprocessed=prepared)
