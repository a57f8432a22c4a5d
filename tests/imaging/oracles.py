"""Oracles for preprocessing without a model: how alike two framed digits are."""

from __future__ import annotations

import numpy as np


def similarity(frame: np.ndarray, reference: np.ndarray) -> float:
    """Correlation of two 28x28 frames, allowing either to sit one pixel off.

    MNIST itself centres by whole pixels (centre of mass within half a pixel
    of 14), so a one-pixel shift between two framings of one digit is noise,
    not a difference a network trained on MNIST would notice.
    """
    best = -1.0
    for rows in (-1, 0, 1):
        for cols in (-1, 0, 1):
            shifted = np.roll(frame, (rows, cols), axis=(0, 1))
            best = max(best, float(np.corrcoef(shifted.ravel(), reference.ravel())[0, 1]))
    return best
