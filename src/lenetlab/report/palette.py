"""The colours every figure shares, defined once.

A digit has the same colour in the embedding, the curves and the legends of
every figure, and a learning rule has the same colour in every comparison, so
a reader who learns "7 is pink" or "feedback alignment is orange" once can
read every other figure at a glance. Activations, kernels and saliency use
fixed colour maps for the same reason; the web page's feature maps use them too.
"""

from __future__ import annotations

import zlib

# one colour per class label 0-9 (Tableau's ten, distinct in print and on screen)
CLASS_COLOURS: tuple[str, ...] = (
    "#1f77b4",  # 0 blue
    "#ff7f0e",  # 1 orange
    "#2ca02c",  # 2 green
    "#d62728",  # 3 red
    "#9467bd",  # 4 purple
    "#8c564b",  # 5 brown
    "#e377c2",  # 6 pink
    "#7f7f7f",  # 7 grey
    "#bcbd22",  # 8 olive
    "#17becf",  # 9 cyan
)

# one colour per learning rule; backprop, the reference, is black
RULE_COLOURS: dict[str, str] = {
    "backprop": "#000000",
    "feedback-alignment": "#e6550d",
    "direct-feedback-alignment": "#fdae6b",
    "sign-symmetry": "#3182bd",
    "hebbian": "#31a354",
    "node-perturbation": "#756bb1",
    "random-features": "#969696",
}

# for rules registered later: picked by a checksum of the name, so stable across runs
SPARE_RULE_COLOURS: tuple[str, ...] = ("#843c39", "#d6616b", "#7b4173", "#637939", "#8ca252")

ACTIVATION_CMAP = "magma"  # non-negative activations (ReLU), 0 is black like the ink-less page
SIGNED_CMAP = "RdBu_r"  # signed values (kernels, tanh activations, gradients): 0 is white
SALIENCY_CMAP = "inferno"  # magnitudes of importance
CONFUSION_CMAP = "Blues"
BACKGROUND = "#a0a0a0"  # gaps between tiles: mid grey, unlike any value in either map


def class_colour(label: int) -> str:
    """The colour of class ``label`` in every figure."""
    return CLASS_COLOURS[label % len(CLASS_COLOURS)]


def rule_colour(rule: str) -> str:
    """The colour of learning rule ``rule`` in every figure, also for rules not listed above."""
    if rule in RULE_COLOURS:
        return RULE_COLOURS[rule]
    return SPARE_RULE_COLOURS[zlib.crc32(rule.encode("utf-8")) % len(SPARE_RULE_COLOURS)]
