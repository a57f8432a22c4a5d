"""Accuracy, per-class precision and recall, and the confusion matrix of a model on a split."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from lenetlab.models.lenet import NUM_CLASSES


@dataclass
class Evaluation:
    accuracy: float  # fraction of examples classified correctly
    loss: float  # mean cross-entropy
    confusion: list[list[int]]  # confusion[true][predicted]
    count: int  # examples evaluated

    @property
    def per_class(self) -> list[dict[str, float | int]]:
        """Precision, recall and support of each class, read off the confusion matrix."""
        matrix = torch.tensor(self.confusion, dtype=torch.float64)
        true_positive = matrix.diag()
        predicted = matrix.sum(0)
        actual = matrix.sum(1)
        rows = []
        for digit in range(matrix.shape[0]):
            rows.append(
                {
                    "class": digit,
                    "precision": float(true_positive[digit] / predicted[digit])
                    if predicted[digit] > 0
                    else 0.0,
                    "recall": float(true_positive[digit] / actual[digit])
                    if actual[digit] > 0
                    else 0.0,
                    "support": int(actual[digit]),
                }
            )
        return rows

    def to_dict(self) -> dict:
        return {
            "accuracy": self.accuracy,
            "loss": self.loss,
            "count": self.count,
            "per_class": self.per_class,
            "confusion": self.confusion,
        }


@torch.no_grad()
def predict_logits(model: nn.Module, inputs: torch.Tensor, batch_size: int = 2000) -> torch.Tensor:
    """Logits for already-normalised inputs, in eval mode, in batches."""
    was_training = model.training
    model.eval()
    chunks = [model(inputs[i : i + batch_size]) for i in range(0, len(inputs), batch_size)]
    model.train(was_training)
    return torch.cat(chunks) if chunks else torch.empty(0, NUM_CLASSES)


def evaluate(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor) -> Evaluation:
    """Evaluate ``model`` on normalised ``inputs`` with their ``labels``."""
    logits = predict_logits(model, inputs)
    predicted = logits.argmax(1)

    confusion = torch.zeros(NUM_CLASSES, NUM_CLASSES, dtype=torch.int64)
    confusion.index_put_((labels, predicted), torch.ones_like(labels), accumulate=True)

    return Evaluation(
        accuracy=int((predicted == labels).sum()) / len(labels) if len(labels) else 0.0,
        loss=float(F.cross_entropy(logits, labels)) if len(labels) else 0.0,
        confusion=confusion.tolist(),
        count=len(labels),
    )
