"""Frame one digit the way MNIST framed its digits.

LeCun, Cortes and Burges made MNIST by fitting each bilevel NIST digit into a
20x20 box, aspect ratio kept (anti-aliasing gave the grey levels), then
placing it in a 28x28 field so its centre of mass sits at the centre. In the
10,000 test digits the centre of mass lies at row and column 14.0 (pixel
indices, std 0.3): the shift was a whole number of pixels. :func:`frame_digit`
repeats that on an ink crop:

    frame = frame_digit(ink_crop)  # (28, 28) float32 in [0, 1]

The box is measured on pixels at or above ``fit_level`` (the analogue of the
bilevel original); the fainter halo around the strokes is resampled with
them and lands just outside the box, as blur does in MNIST.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

# MNIST's geometry: digits fitted into a 20x20 box inside a 28x28 frame.
MNIST_BOX = 20
MNIST_FRAME = 28

# Ink level from which a pixel counts when measuring the digit's extent.
FIT_LEVEL = 0.3

# Output pixels kept around the fitted box for the faint edges of the strokes.
EDGE_MARGIN = 2


def frame_digit(
    ink: np.ndarray,
    *,
    box_size: int = MNIST_BOX,
    frame_size: int = MNIST_FRAME,
    fit_level: float = FIT_LEVEL,
) -> np.ndarray:
    """Fit the ink of one digit into ``box_size`` and centre it in ``frame_size`` by mass.

    ``ink`` is a float (H, W) crop in [0, 1] holding one digit and nothing
    else. Returns a float32 (frame_size, frame_size) array in [0, 1], white
    digit on black, or an all-zero frame when no pixel reaches ``fit_level``.
    """
    frame = np.zeros((frame_size, frame_size), dtype=np.float32)
    box = fit_box(ink, fit_level)
    if box is None:
        return frame

    # scale: the longer side of the digit's box becomes box_size
    left, top, right, bottom = box
    scale = box_size / max(bottom - top, right - left)
    fitted_width = max(1, round((right - left) * scale))
    fitted_height = max(1, round((bottom - top) * scale))

    # resample the box and its halo: area averaging to shrink, bicubic to enlarge
    scale_x = fitted_width / (right - left)
    scale_y = fitted_height / (bottom - top)
    pad = int(np.ceil(EDGE_MARGIN / min(scale_x, scale_y))) + 1  # source pixels of zeros
    padded = np.zeros((ink.shape[0] + 2 * pad, ink.shape[1] + 2 * pad), dtype=np.float32)
    padded[pad:-pad, pad:-pad] = ink
    source_box = (
        left + pad - EDGE_MARGIN / scale_x,
        top + pad - EDGE_MARGIN / scale_y,
        right + pad + EDGE_MARGIN / scale_x,
        bottom + pad + EDGE_MARGIN / scale_y,
    )
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BICUBIC
    digit = Image.fromarray(padded, "F").resize(
        (fitted_width + 2 * EDGE_MARGIN, fitted_height + 2 * EDGE_MARGIN), resample, box=source_box
    )
    digit = np.clip(np.asarray(digit, dtype=np.float32), 0.0, 1.0)

    # place: whole-pixel shift that brings the centre of mass to the frame's centre
    mass = digit.sum()
    if mass <= 0:
        return frame
    centre_row = (digit.sum(axis=1) @ np.arange(digit.shape[0])) / mass
    centre_col = (digit.sum(axis=0) @ np.arange(digit.shape[1])) / mass
    middle = frame_size / 2
    row0 = _clamp(round(middle - centre_row), frame_size - digit.shape[0], EDGE_MARGIN)
    col0 = _clamp(round(middle - centre_col), frame_size - digit.shape[1], EDGE_MARGIN)
    _paste(frame, digit, row0, col0)
    return frame


def fit_box(ink: np.ndarray, fit_level: float = FIT_LEVEL) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the pixels at or above ``fit_level``; None if none are."""
    above = ink >= fit_level
    rows = np.flatnonzero(above.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(above.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _clamp(offset: int, room: int, margin: int) -> int:
    """Keep the fitted box inside the frame; only its faint margin may fall off the edge."""
    return int(min(max(offset, -margin), room + margin))


def _paste(frame: np.ndarray, digit: np.ndarray, row0: int, col0: int) -> None:
    """Copy ``digit`` into ``frame`` at (row0, col0), cutting what falls outside."""
    height, width = digit.shape
    top, left = max(row0, 0), max(col0, 0)
    bottom = min(row0 + height, frame.shape[0])
    right = min(col0 + width, frame.shape[1])
    frame[top:bottom, left:right] = digit[top - row0 : bottom - row0, left - col0 : right - col0]
