"""Find the sheet of paper in a photo that shows the desk around it too.

A phone photo of a digit on paper often catches the table as well: a dark
frame around a light sheet. Judged from the image border, the ground is then
the table, the sheet becomes the "ink", and the digit is lost. Before
looking for ink, :func:`find_sheet` checks for that layout: a light region,
split from a darker surround by Otsu's threshold, that touches little of the
border, covers a good part of the picture and fills most of its own box (a
digit's strokes, even a marker's, leave most of their box empty). The
pipeline then analyses the sheet alone:

    sheet = find_sheet(gray, min_contrast=0.12)  # (left, top, right, bottom) or None
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from lenetlab.imaging.ink import border_ring
from lenetlab.imaging.segmenting import largest_component

# Smallest share of the picture that a sheet's box covers.
SHEET_SHARE = 0.2

# Smallest share of its own box that a sheet fills: ink, corners seen at an
# angle and the odd shadow make holes, but a sheet is mostly solid.
SHEET_FILL = 0.75

# Smallest share of the picture's border that must be darker than the sheet.
DARK_SURROUND = 0.6

# Share of the sheet's width and height trimmed off each side: its edge,
# its shadow and the corners of the table that a tilted sheet leaves in its box.
SHEET_INSET = 0.04


def find_sheet(gray: Image.Image, *, min_contrast: float) -> tuple[int, int, int, int] | None:
    """Box (left, top, right, bottom) of a light sheet on a darker surround; None if none.

    ``min_contrast`` (0-1 of the grey scale) is how much lighter than its
    surround the sheet must be.
    """
    levels = np.asarray(gray)  # (H, W) uint8
    histogram = np.array(gray.histogram(), dtype=np.float64)
    threshold, dark_mean, light_mean = _otsu(histogram)
    if light_mean - dark_mean < min_contrast * 255.0:
        return None

    # the layout: a dark border, and enough light pixels to make a sheet
    light_share = histogram[threshold + 1 :].sum() / histogram.sum()
    dark_border = np.mean(border_ring(levels) <= threshold)
    if dark_border < DARK_SURROUND or light_share < SHEET_SHARE * SHEET_FILL:
        return None

    # the sheet: one light region, large, and solid within its box
    found = largest_component(levels > threshold)
    if found is None:
        return None
    (left, top, right, bottom), area = found
    box_area = (right - left) * (bottom - top)
    if box_area < SHEET_SHARE * levels.size or area < SHEET_FILL * box_area:
        return None

    inset_x = round(SHEET_INSET * (right - left))
    inset_y = round(SHEET_INSET * (bottom - top))
    return left + inset_x, top + inset_y, right - inset_x, bottom - inset_y


def _otsu(histogram: np.ndarray) -> tuple[int, float, float]:
    """Otsu's threshold of a 256-bin histogram, and the mean level on either side of it.

    The threshold maximises the variance between the two classes; pixels
    above it are the light class.
    """
    levels = np.arange(256, dtype=np.float64)
    dark_count = np.cumsum(histogram)
    dark_sum = np.cumsum(histogram * levels)
    total_count, total_sum = dark_count[-1], dark_sum[-1]
    light_count = total_count - dark_count
    with np.errstate(divide="ignore", invalid="ignore"):
        dark_mean = dark_sum / dark_count
        light_mean = (total_sum - dark_sum) / light_count
        between = dark_count * light_count * (dark_mean - light_mean) ** 2
    between = np.where(np.isfinite(between), between, -1.0)
    if between.max() <= 0:  # a single grey level: no two classes
        mean = total_sum / total_count
        return 255, mean, mean
    threshold = int(np.argmax(between))
    return threshold, float(dark_mean[threshold]), float(light_mean[threshold])
