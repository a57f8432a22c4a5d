"""The comparison's figures, drawn with matplotlib's Agg backend into PNG files.

- ``accuracy.png``: validation accuracy against epoch, one line per spec
  (mean over seeds);
- ``angles.png``: one panel per layer, the angle between each rule's update
  and the true gradient against training step (mean over seeds);
- ``feedback_angles.png``: the same for the angle between feedback and
  forward weights, for the rules that have such weights.

Everything is drawn from the rows of ``history.jsonl`` and ``angles.jsonl``,
so :func:`draw_all` can redraw a finished comparison.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from lenetlab.rules.layers import LAYERS
from lenetlab.training.history import read_history


def _label(row: dict[str, Any]) -> str:
    return row["rule"] if row["arch"] == "lenet5" else f"{row['rule']}@{row['arch']}"


def _mean_by(rows: list[dict[str, Any]], x: str, y: str) -> dict[str, tuple[list, list]]:
    """Per spec, the mean of ``y`` over seeds at each ``x``, NaNs left out."""
    values: dict[str, dict[Any, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if not math.isnan(row[y]):
            values[_label(row)][row[x]].append(row[y])
    series = {}
    for label, by_x in values.items():
        xs = sorted(by_x)
        series[label] = (xs, [sum(by_x[v]) / len(by_x[v]) for v in xs])
    return series


def draw_accuracy(history: list[dict[str, Any]], path: Path) -> None:
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    for label, (epochs, accuracy) in _mean_by(history, "epoch", "val_accuracy").items():
        ax.plot(epochs, [100 * a for a in accuracy], marker="o", markersize=3, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_title("Accuracy against epoch, mean over seeds")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def draw_angles(angles: list[dict[str, Any]], kind: str, title: str, path: Path) -> bool:
    """One panel per layer; returns False (and draws nothing) when there is no such angle."""
    rows = [row for row in angles if row["kind"] == kind]
    layers = [name for name in LAYERS if any(row["layer"] == name for row in rows)]
    if not layers:
        return False
    fig = Figure(figsize=(3.2 * len(layers), 3.4))
    axes = fig.subplots(1, len(layers), sharey=True, squeeze=False)[0]
    for ax, layer in zip(axes, layers):
        mine = [row for row in rows if row["layer"] == layer]
        for label, (steps, angle) in _mean_by(mine, "step", "angle").items():
            ax.plot(steps, angle, label=label)
        ax.set_title(layer)
        ax.set_xlabel("training step")
        ax.set_ylim(0, 100)
        ax.axhline(90, color="grey", linewidth=0.8, linestyle=":")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("angle (degrees)")
    axes[-1].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return True


def draw_all(out: Path) -> list[Path]:
    """Draw every figure from ``out``'s ``history.jsonl`` and ``angles.jsonl``."""
    history = _read_jsonl(out / "history.jsonl")
    angles = _read_jsonl(out / "angles.jsonl")
    drawn = [out / "accuracy.png"]
    draw_accuracy(history, drawn[0])
    if draw_angles(
        angles,
        "update-vs-gradient",
        "Angle between the rule's update and the true gradient",
        out / "angles.png",
    ):
        drawn.append(out / "angles.png")
    if draw_angles(
        angles,
        "feedback-vs-forward",
        "Angle between feedback and forward weights",
        out / "feedback_angles.png",
    ):
        drawn.append(out / "feedback_angles.png")
    return drawn


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return read_history(path)
