"""The report's figures: arrays in, matplotlib figures out, PNG bytes at the end.

Every function takes numbers already computed (by :mod:`.analysis`,
:mod:`.features`, :mod:`.saliency`, :mod:`.embedding`) and returns a
:class:`~matplotlib.figure.Figure` of a fixed size, so the figures can be
tested and reused without recomputing anything. The object API is used
throughout and pyplot never imported: no display, no global figure state, and
PNGs are rendered by the Agg canvas.

Colours come from :mod:`.palette`: one per class and one per learning rule,
the same in every figure.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lenetlab.report.features import ColourScale, colormap, colour_scale, tile_layer
from lenetlab.report.palette import (
    CONFUSION_CMAP,
    SALIENCY_CMAP,
    SIGNED_CMAP,
    class_colour,
    rule_colour,
)

DPI = 100
FEW_POINTS = 20  # lines with this many points or fewer get markers, so one point still shows
KERNEL_PANELS = 8  # conv1 kernels drawn in panels of their own; more become one mosaic

# (width, height) in inches of the figures whose size does not depend on the data
FIGURE_SIZES: dict[str, tuple[float, float]] = {
    "curves": (11.0, 4.0),
    "kernels-conv1": (11.0, 2.8),
    "kernels-conv2": (12.0, 4.6),
    "feature-maps": (15.0, 6.6),
    "confusion": (7.0, 6.0),
    "mistakes": (13.0, 6.4),
    "embedding": (7.5, 6.0),
    "saliency": (16.0, 5.6),
    "compare-accuracy": (8.0, 5.0),
}

HIDDEN_LAYERS = ("conv1", "pool1", "conv2", "pool2", "conv3", "fc1")  # drawn as mosaics


def layer_title(name: str, maps: np.ndarray) -> str:
    """``conv1: 6 maps of 28x28`` or ``fc1: 84 units``, read off the array."""
    if maps.ndim == 3:
        return f"{name}: {maps.shape[0]} maps of {maps.shape[1]}x{maps.shape[2]}"
    return f"{name}: {maps.size} units"


def new_figure(
    name: str, size: tuple[float, float] | None = None, layout: str | None = "constrained"
) -> Figure:
    """An empty figure, sized from :data:`FIGURE_SIZES` unless given.

    Constrained layout spaces the panels; figures drawn many times per report
    pass ``layout=None`` and place their panels by hand, which is a third faster.
    """
    figure = Figure(figsize=size or FIGURE_SIZES[name], dpi=DPI, layout=layout)
    FigureCanvasAgg(figure)
    return figure


def figure_png(figure: Figure) -> bytes:
    """The figure as PNG bytes, exactly ``figsize * DPI`` pixels."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def figure_pixels(figure: Figure) -> tuple[int, int]:
    """(width, height) in pixels of the PNG that :func:`figure_png` writes."""
    width, height = figure.get_size_inches() * DPI
    return round(width), round(height)


def _hide_ticks(ax: Any) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _epoch_ticks(ax: Any, epochs: Sequence[int]) -> None:
    """Whole-number epoch ticks: every epoch when there are few, else matplotlib's choice."""
    distinct = sorted(set(epochs))
    if len(distinct) <= FEW_POINTS:
        ax.set_xticks(distinct)
    else:
        ax.xaxis.get_major_locator().set_params(integer=True)


def _class_legend(ax: Any, classes: Sequence[str], **kwargs: Any) -> None:
    handles = [
        Line2D([], [], marker="o", linestyle="", color=class_colour(label), label=name)
        for label, name in enumerate(classes)
    ]
    ax.legend(handles=handles, **kwargs)


# ---- a single run ----------------------------------------------------------


def curves_figure(history: list[dict[str, Any]], rule: str, title: str) -> Figure:
    """Loss and accuracy per epoch, training dashed and validation solid, in the rule's colour."""
    figure = new_figure("curves")
    loss_ax, accuracy_ax = figure.subplots(1, 2)
    epochs = [row["epoch"] for row in history]
    colour = rule_colour(rule)

    for ax, metric, label in (
        (loss_ax, "loss", "cross-entropy loss"),
        (accuracy_ax, "accuracy", "accuracy"),
    ):
        for split, style in (("train", "--"), ("val", "-")):
            values = [row.get(f"{split}_{metric}") for row in history]
            name = "training" if split == "train" else "validation"
            ax.plot(epochs, values, style, marker="o", color=colour, label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_title(f"{label} per epoch")
        ax.grid(alpha=0.3)
        ax.legend()
        _epoch_ticks(ax, epochs)
    accuracy_ax.yaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    figure.suptitle(title)
    return figure


def conv1_kernels_figure(kernels: np.ndarray) -> Figure:
    """conv1's ``(C, 1, 5, 5)`` kernels in one shared blue-white-red scale.

    Up to :data:`KERNEL_PANELS` kernels get a numbered panel each; a wider
    network's kernels are laid out as one mosaic.
    """
    figure = new_figure("kernels-conv1")
    scale = colour_scale(kernels, signed=True)
    count = len(kernels)
    if count <= KERNEL_PANELS:
        axes = list(figure.subplots(1, count, squeeze=False)[0])
        for index, ax in enumerate(axes):
            image = ax.imshow(kernels[index, 0], cmap=scale.cmap, vmin=scale.vmin, vmax=scale.vmax)
            ax.set_title(f"kernel {index + 1}")
            _hide_ticks(ax)
    else:
        ax = figure.subplots()
        axes = [ax]
        mosaic = tile_layer(kernels[:, 0], columns=math.ceil(count / 2))
        image = ax.imshow(
            np.ma.masked_invalid(mosaic),
            cmap=colormap(scale.cmap),
            vmin=scale.vmin,
            vmax=scale.vmax,
        )
        _hide_ticks(ax)
    figure.colorbar(image, ax=axes, label="weight", shrink=0.9)
    figure.suptitle(
        f"conv1: the {count} 5x5 kernels applied to the input (red excites, blue inhibits)"
    )
    return figure


def conv2_kernels_figure(kernels: np.ndarray) -> Figure:
    """conv2's ``(16, 6, 5, 5)`` kernels: one column per filter, one row per input map."""
    figure = new_figure("kernels-conv2")
    filters, inputs, height, width = kernels.shape
    scale = colour_scale(kernels, signed=True)

    # row = input channel, column = filter: transpose to (inputs, filters, h, w)
    grid = kernels.transpose(1, 0, 2, 3).reshape(inputs * filters, height, width)
    mosaic = tile_layer(grid, columns=filters)

    ax = figure.subplots()
    image = ax.imshow(
        np.ma.masked_invalid(mosaic), cmap=colormap(scale.cmap), vmin=scale.vmin, vmax=scale.vmax
    )
    ax.set_xticks([i * (width + 1) + width / 2 - 0.5 for i in range(filters)])
    ax.set_xticklabels([str(i + 1) for i in range(filters)])
    ax.set_yticks([i * (height + 1) + height / 2 - 0.5 for i in range(inputs)])
    ax.set_yticklabels([str(i + 1) for i in range(inputs)])
    ax.set_xlabel("conv2 filter")
    ax.set_ylabel("conv1 map it reads")
    ax.set_title(f"conv2: {filters} filters x {inputs} input maps of 5x5 weights")
    figure.colorbar(image, ax=ax, label="weight", shrink=0.9)
    return figure


def feature_maps_figure(
    image: np.ndarray,
    maps: dict[str, np.ndarray],
    label: int,
    classes: Sequence[str],
) -> Figure:
    """One digit's path through the network: input, every layer, output probabilities.

    Each layer is one mosaic in its own :func:`~lenetlab.report.features.colour_scale`,
    the same tiles and colours as the web page's live feature maps.
    """
    figure = new_figure("feature-maps", layout=None)
    axes = figure.subplots(2, 4)
    figure.subplots_adjust(left=0.04, right=0.98, bottom=0.08, top=0.88, wspace=0.3, hspace=0.3)
    panels = [ax for row in axes for ax in row]

    input_ax = panels[0]
    input_ax.imshow(image, cmap="gray_r", vmin=0, vmax=255)
    input_ax.set_title(f"input: a {classes[label]}")
    _hide_ticks(input_ax)

    for ax, name in zip(panels[1:7], HIDDEN_LAYERS):
        # maps in a square-ish grid (6 as 2 x 3, 16 as 4 x 4), so every panel is well filled
        square = math.ceil(math.sqrt(len(maps[name]))) if maps[name].ndim == 3 else None
        mosaic = tile_layer(maps[name], columns=square)
        scale = colour_scale(mosaic)
        shown = ax.imshow(
            np.ma.masked_invalid(mosaic),
            cmap=colormap(scale.cmap),
            vmin=scale.vmin,
            vmax=scale.vmax,
        )
        ax.set_title(layer_title(name, maps[name]))
        _hide_ticks(ax)
        figure.colorbar(shown, ax=ax, shrink=0.85, pad=0.03, label="activation")

    # the output as probabilities, the prediction highlighted in its class colour
    logits = maps["logits"]
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    predicted = int(probabilities.argmax())
    output_ax = panels[7]
    colours = [class_colour(c) if c == predicted else "#c7c7c7" for c in range(len(logits))]
    output_ax.bar(range(len(logits)), probabilities, color=colours)
    output_ax.set_xticks(range(len(logits)))
    output_ax.set_xticklabels(classes[: len(logits)])
    output_ax.set_ylim(0, 1)
    output_ax.set_xlabel("class")
    output_ax.set_ylabel("probability")
    output_ax.set_title(f"output: {classes[predicted]} ({probabilities[predicted]:.0%})")

    figure.suptitle(f"Feature maps of every layer for a test {classes[label]}")
    return figure


def confusion_figure(confusion: np.ndarray, classes: Sequence[str], title: str) -> Figure:
    """Counts of (true, predicted) pairs, shaded by the share of the true class."""
    figure = new_figure("confusion")
    ax = figure.subplots()
    _draw_confusion(ax, confusion, classes, annotate=True)
    image = ax.images[0]
    figure.colorbar(image, ax=ax, label="share of the true class", shrink=0.9)
    ax.set_title(title)
    return figure


def _draw_confusion(ax: Any, confusion: np.ndarray, classes: Sequence[str], annotate: bool) -> None:
    totals = confusion.sum(1, keepdims=True)
    shares = np.divide(confusion, totals, out=np.zeros(confusion.shape), where=totals > 0)
    ax.imshow(shares, cmap=CONFUSION_CMAP, vmin=0, vmax=1)
    count = len(confusion)
    ax.set_xticks(range(count))
    ax.set_yticks(range(count))
    ax.set_xticklabels(classes[:count])
    ax.set_yticklabels(classes[:count])
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if annotate:
        for true in range(count):
            for predicted in range(count):
                value = int(np.rint(confusion[true, predicted]))
                if value:
                    colour = "white" if shares[true, predicted] > 0.5 else "black"
                    ax.text(
                        predicted,
                        true,
                        str(value),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color=colour,
                    )


def mistakes_figure(
    images: np.ndarray,
    labels: np.ndarray,
    predicted: np.ndarray,
    confidence: np.ndarray,
    classes: Sequence[str],
    columns: int = 8,
) -> Figure:
    """The misclassified test digits the model was surest of, framed in the predicted class's colour."""
    figure = new_figure("mistakes")
    rows = max(1, -(-len(images) // columns))
    axes = figure.subplots(rows, columns, squeeze=False)
    for index, ax in enumerate(ax for row in axes for ax in row):
        _hide_ticks(ax)
        if index >= len(images):
            ax.set_axis_off()
            continue
        ax.imshow(images[index], cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(
            f"true {classes[labels[index]]}\npredicted {classes[predicted[index]]} "
            f"({confidence[index]:.0%})",
            fontsize=9,
        )
        for spine in ax.spines.values():
            spine.set_color(class_colour(int(predicted[index])))
            spine.set_linewidth(3)
    if len(images) == 0:
        axes[0][0].text(0.5, 0.5, "no mistakes on the test set", ha="center", va="center")
    figure.suptitle(
        "The most confident mistakes on the test set (frame: colour of the predicted class)"
    )
    return figure


def embedding_figure(
    coordinates: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    title: str,
    axis_labels: tuple[str, str],
) -> Figure:
    """A 2-D embedding of test examples, one colour per class."""
    figure = new_figure("embedding")
    ax = figure.subplots()
    colours = [class_colour(int(label)) for label in labels]
    ax.scatter(coordinates[:, 0], coordinates[:, 1], c=colours, s=5, alpha=0.8, linewidths=0)
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.set_title(title)
    _class_legend(
        ax, classes, title="class", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False
    )
    return figure


def saliency_figure(
    images: np.ndarray,
    labels: Sequence[int],
    gradients: np.ndarray,
    occlusions: np.ndarray,
    classes: Sequence[str],
) -> Figure:
    """For each chosen digit: the digit, its input gradient and its occlusion map.

    Gradients are scaled to each digit's own maximum (their absolute size says
    little); occlusion shares one scale, the fall in the class's score (logit).
    """
    figure = new_figure("saliency")
    axes = figure.subplots(3, len(images), squeeze=False)
    relative = (
        gradients / np.maximum(gradients.reshape(len(gradients), -1).max(1), 1e-12)[:, None, None]
    )
    occlusion_scale: ColourScale = colour_scale(occlusions, signed=True)

    for column in range(len(images)):
        digit_ax, gradient_ax, occlusion_ax = axes[:, column]
        digit_ax.imshow(images[column], cmap="gray_r", vmin=0, vmax=255)
        digit_ax.set_title(f"a {classes[labels[column]]}")
        gradient_image = gradient_ax.imshow(relative[column], cmap=SALIENCY_CMAP, vmin=0, vmax=1)
        occlusion_image = occlusion_ax.imshow(
            occlusions[column],
            cmap=occlusion_scale.cmap,
            vmin=occlusion_scale.vmin,
            vmax=occlusion_scale.vmax,
        )
        for ax in (digit_ax, gradient_ax, occlusion_ax):
            _hide_ticks(ax)

    axes[0, 0].set_ylabel("digit")
    axes[1, 0].set_ylabel("|gradient|")
    axes[2, 0].set_ylabel("occlusion")
    figure.colorbar(
        gradient_image, ax=list(axes[1]), label="relative |d score / d pixel|", shrink=0.9
    )
    figure.colorbar(
        occlusion_image, ax=list(axes[2]), label="fall in the class's score", shrink=0.9
    )
    figure.suptitle(
        "Saliency: where the evidence for each digit's class lies "
        "(occlusion: red = blanking it lowers the class's score)"
    )
    return figure


# ---- a comparison of learning rules ----------------------------------------


def compare_accuracy_figure(curves: Sequence[tuple[str, list[dict[str, Any]]]]) -> Figure:
    """Validation accuracy per epoch of every run on one axis, one colour per rule.

    ``curves`` holds (rule, history) pairs; each run is a thin line and each
    rule's mean over its seeds a thick one.
    """
    figure = new_figure("compare-accuracy")
    ax = figure.subplots()
    by_rule: dict[str, list[list[dict[str, Any]]]] = {}
    for rule, history in curves:
        by_rule.setdefault(rule, []).append(history)

    for rule, histories in by_rule.items():
        colour = rule_colour(rule)
        for history in histories:
            ax.plot(
                [row["epoch"] for row in history],
                [row["val_accuracy"] for row in history],
                color=colour,
                linewidth=0.8,
                alpha=0.5,
            )
        length = min(len(history) for history in histories)
        mean = np.mean([[row["val_accuracy"] for row in h[:length]] for h in histories], axis=0)
        epochs = [row["epoch"] for row in histories[0][:length]]
        seeds = f"{len(histories)} seed{'s' if len(histories) > 1 else ''}"
        ax.plot(epochs, mean, color=colour, linewidth=2.5, marker="o", label=f"{rule} ({seeds})")

    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy")
    ax.yaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    _epoch_ticks(ax, [row["epoch"] for _, history in curves for row in history])
    ax.grid(alpha=0.3)
    ax.legend(title="learning rule (thin: each seed)")
    ax.set_title("Validation accuracy per epoch, every learning rule")
    return figure


def compare_kernels_figure(kernels: Sequence[tuple[str, np.ndarray]]) -> Figure:
    """conv1's six kernels for each rule, one row per rule, each row in its own scale."""
    rows = max(1, len(kernels))
    figure = new_figure("compare-kernels", size=(11.0, 1.3 + 1.6 * rows))
    axes = figure.subplots(rows, 1, squeeze=False)[:, 0]
    for ax, (rule, weights) in zip(axes, kernels):
        mosaic = tile_layer(weights[:, 0], columns=len(weights))
        scale = colour_scale(mosaic, signed=True)
        image = ax.imshow(
            np.ma.masked_invalid(mosaic),
            cmap=colormap(SIGNED_CMAP),
            vmin=scale.vmin,
            vmax=scale.vmax,
        )
        _hide_ticks(ax)
        ax.set_ylabel(
            rule, rotation=0, ha="right", va="center", color=rule_colour(rule), fontsize=11
        )
        figure.colorbar(image, ax=ax, label="weight", shrink=0.9)
    figure.suptitle(
        "conv1 kernels learned by each rule (each row scaled to its own largest weight)"
    )
    return figure


def compare_confusion_figure(
    confusions: Sequence[tuple[str, np.ndarray, int]], classes: Sequence[str]
) -> Figure:
    """Each rule's test confusion matrix (mean over its seeds) side by side, one shared scale."""
    count = max(1, len(confusions))
    figure = new_figure("compare-confusion", size=(1.0 + 4.0 * count, 4.6))
    axes = figure.subplots(1, count, squeeze=False)[0]
    for ax, (rule, confusion, seeds) in zip(axes, confusions):
        _draw_confusion(ax, confusion, classes, annotate=False)
        accuracy = np.trace(confusion) / max(confusion.sum(), 1)
        ax.set_title(
            f"{rule}\n{accuracy:.2%} ({seeds} seed{'s' if seeds > 1 else ''})",
            color=rule_colour(rule),
        )
    figure.colorbar(axes[0].images[0], ax=list(axes), label="share of the true class", shrink=0.9)
    figure.suptitle("Test confusion matrices by learning rule")
    return figure


def compare_angles_figure(
    series: dict[tuple[str, str], dict[tuple[str, str], tuple[list[float], list[float]]]],
    x_label: str,
) -> Figure:
    """Angles (degrees) against training time: a row of panels per kind of angle, a panel
    per layer, a line per run in its rule's colour.

    ``series[(kind, layer)][(rule, run)]`` is ``(times, angles)``.
    """
    kinds = list(dict.fromkeys(kind for kind, _ in series))
    layers = list(dict.fromkeys(layer for _, layer in series))
    figure = new_figure("compare-angles", size=(1.5 + 3.2 * len(layers), 0.8 + 3.0 * len(kinds)))
    axes = figure.subplots(len(kinds), len(layers), squeeze=False, sharey=True)
    labelled: set[str] = set()
    for row, kind in enumerate(kinds):
        for column, layer in enumerate(layers):
            ax = axes[row, column]
            lines = series.get((kind, layer))
            if not lines:
                ax.set_axis_off()
                continue
            for (rule, _), (times, angles) in lines.items():
                order = np.argsort(times, kind="stable")
                label = None if rule in labelled else rule
                labelled.add(rule)
                ax.plot(
                    np.asarray(times)[order],
                    np.asarray(angles)[order],
                    color=rule_colour(rule),
                    linewidth=1.2,
                    marker="o" if len(times) <= FEW_POINTS else None,
                    markersize=3,
                    label=label,
                )
            ax.axhline(90, color="#bbbbbb", linewidth=0.8, linestyle=":")
            ax.set_ylim(0, 180)
            ax.set_title(f"{layer}: {kind}", fontsize=10)
            ax.set_xlabel(x_label)
            ax.grid(alpha=0.3)
        axes[row, 0].set_ylabel("angle (degrees)")
    figure.legend(loc="outside right center", title="rule")
    figure.suptitle("Angles to backprop by layer (90° = unrelated, 0° = the same direction)")
    return figure
