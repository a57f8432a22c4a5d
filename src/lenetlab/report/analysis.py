"""The numbers behind a report: a run's files, its test predictions, chosen examples.

Nothing here draws. :func:`open_run` reads a run folder or a bare checkpoint,
:func:`predict_test` classifies a test set once, and the selectors pick the
examples the figures show, deterministically, so two reports of the same run
show the same digits and two runs can be compared digit for digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from lenetlab.models import LeNet5
from lenetlab.training.checkpoint import load_model, resolve_checkpoint_path
from lenetlab.training.evaluation import predict_logits
from lenetlab.training.history import METRICS, read_history

DEFAULT_ARCH = "lenet5"


@dataclass
class RunFiles:
    """A trained model and what its folder says about how it was trained."""

    checkpoint: Path  # the weights used
    model: LeNet5  # in eval mode
    meta: dict[str, Any]  # the checkpoint's metadata
    history: list[dict[str, Any]] | None  # rows of metrics.jsonl; None without a run folder

    @property
    def rule(self) -> str:
        return str(self.meta.get("rule", "unknown"))

    @property
    def spec(self) -> str:
        """The rule, with ``@ARCH`` when the network is not the default LeNet-5, as
        ``lenetlab compare --rules`` names it: runs with the same spec differ by seed only."""
        return spec_label(self.rule, self.meta.get("arch"))


def spec_label(rule: str, arch: str | None) -> str:
    """``rule`` or ``rule@arch``, the name a rule-and-network pair has in every legend."""
    return rule if arch in (None, "", DEFAULT_ARCH) else f"{rule}@{arch}"


def read_metrics(run_dir: Path) -> list[dict[str, Any]] | None:
    """The per-epoch rows of ``run_dir/metrics.jsonl``, or None when there is none."""
    path = run_dir / METRICS
    if not path.is_file():
        return None
    return sorted(read_history(path), key=lambda row: row["epoch"])


def open_run(path: str | Path) -> RunFiles:
    """A run folder (its best checkpoint) or a checkpoint file, with the metrics beside it."""
    checkpoint = resolve_checkpoint_path(path)
    model, meta = load_model(checkpoint)
    return RunFiles(checkpoint, model, meta, read_metrics(checkpoint.parent))


@dataclass
class TestPredictions:
    """A model's verdict on every test example."""

    probabilities: np.ndarray  # (N, classes), softmax of the logits
    labels: np.ndarray  # (N,) true classes

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(1)

    @property
    def accuracy(self) -> float:
        return float((self.predicted == self.labels).mean()) if len(self.labels) else 0.0

    @property
    def confusion(self) -> np.ndarray:
        """``confusion[true, predicted]`` counts, ``(classes, classes)``."""
        classes = self.probabilities.shape[1]
        flat = self.labels * classes + self.predicted
        return np.bincount(flat, minlength=classes * classes).reshape(classes, classes)


def predict_test(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> TestPredictions:
    """Class probabilities of normalised ``inputs``, with their ``labels``."""
    probabilities = torch.softmax(predict_logits(model, inputs), 1)
    return TestPredictions(
        probabilities.numpy().astype(np.float64), labels.numpy().astype(np.int64)
    )


def one_per_class(labels: np.ndarray, classes: int) -> list[int]:
    """The index of the first example of each class (classes absent from ``labels`` skipped)."""
    chosen = []
    for label in range(classes):
        (where,) = np.nonzero(labels == label)
        if len(where):
            chosen.append(int(where[0]))
    return chosen


def confident_mistakes(predictions: TestPredictions, count: int) -> np.ndarray:
    """Indices of up to ``count`` misclassified examples, most confident first (ties by index)."""
    (wrong,) = np.nonzero(predictions.predicted != predictions.labels)
    confidence = predictions.probabilities[wrong].max(1)
    order = np.lexsort((wrong, -confidence))
    return wrong[order][:count]
