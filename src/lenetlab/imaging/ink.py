"""Turn a grey picture into an ink map: 0 where the paper is, up to 1 where the pen was.

MNIST digits are light strokes on a black ground. A photo of a digit on paper
is the opposite: dark ink on light paper, lit unevenly, with paper grain and
JPEG noise. :func:`find_ink` undoes that in four steps:

1. polarity: the ground is the level most of the image border shows; the ink
   is whichever extreme lies further from it, and dark ink is inverted;
2. noise: the pixel-to-pixel noise is measured and, where there is some,
   smoothed away with a small blur;
3. background: a large-scale estimate of the paper (a grey-level opening on
   a coarse grid, so strokes thinner than a few cells vanish from it) is
   subtracted, which flattens gradients, shadows and vignetting;
4. contrast: what is left is scaled so the strongest ink is 1, the noise
   floor is cut off, and grey levels in between are kept.

    ink = find_ink(gray, min_contrast=0.12, mask_level=0.3)  # None: nothing drawn
    ink.level  # (H, W) float32 in [0, 1]
    ink.mask  # (H, W) bool, the strokes
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from PIL import Image, ImageChops, ImageFilter, ImageOps

# Pixels that stand for an extreme of the histogram (the strongest ink, the
# darkest and lightest levels): enough to outvote a hot pixel or two, few
# enough that a digit 10 pixels tall on a 512-pixel page still counts.
EXTREME_PIXELS = 8

# Share of the image's shorter side that counts as its border.
BORDER_SHARE = 1 / 32

# Cells of the background grid along the image's longer side.
BACKGROUND_CELLS = 16

# Spread of the paper's level around the rim, in grey levels above the noise,
# below which the paper counts as evenly lit.
FLAT_PAPER = 2

# Noise (standard deviation, 0-1 of full scale) above which the image is blurred.
NOISE_TO_BLUR = 0.01

# The noise floor cut from the ink, in standard deviations of the pixel noise.
NOISE_FLOOR_SIGMAS = 4.0

# Tables from grey level to ink level: as it is (light ink), or inverted (dark ink).
_IDENTITY = np.arange(256)
_INVERT = 255 - _IDENTITY


@dataclass(frozen=True)
class InkMap:
    """The ink of one picture, with what was learned about it on the way."""

    level_bytes: np.ndarray  # (H, W) uint8: the ink level in 255 steps, 0 paper
    mask: np.ndarray  # (H, W) bool: pixels that belong to a stroke
    contrast: float  # strongest ink above the paper, 0-1 of the full grey scale
    dark_ink: bool  # True when the picture had dark ink on a light ground
    noise: float  # pixel noise before smoothing, 0-1 of the full grey scale

    @cached_property
    def level(self) -> np.ndarray:
        """(H, W) float32 in [0, 1]: 0 paper, 1 the strongest ink."""
        return to_level(self.level_bytes)


def to_level(level_bytes: np.ndarray) -> np.ndarray:
    """Ink levels in 255 steps (all or part of :attr:`InkMap.level_bytes`) as float32 in [0, 1]."""
    return level_bytes.astype(np.float32) * np.float32(1 / 255)


def find_ink(gray: Image.Image, *, min_contrast: float, mask_level: float) -> InkMap | None:
    """Return the ink map of an 8-bit grey image, or None when no ink stands out.

    ``min_contrast`` is the weakest ink, above the paper and as a share of
    the full grey scale, that counts as drawn; ``mask_level`` is the ink
    level, after scaling, from which a pixel counts as part of a stroke.
    The work is done on 8-bit Pillow images and 256-bin histograms: no
    sorting, no float images until the last step. On a clean picture with
    evenly lit paper (a drawing canvas, a scan) every step is a lookup
    table on the grey levels, and the pixels are touched by one table
    lookup at the end.
    """
    # polarity: the ink is made the bright side, as in MNIST, by ``to_ink``
    levels = np.asarray(gray)  # (H, W) uint8
    histogram = np.array(gray.histogram())
    border = np.bincount(border_ring(levels), minlength=256)
    dark_ink = _ink_is_dark(border, np.cumsum(histogram), EXTREME_PIXELS)
    to_ink = _INVERT if dark_ink else _IDENTITY

    # noise: smooth grain and JPEG blocks before they can pass for ink
    noise = _pixel_noise(levels)
    smoothed_noise = noise
    if noise > NOISE_TO_BLUR:
        if dark_ink:
            gray = ImageOps.invert(gray)
        gray = gray.filter(ImageFilter.BoxBlur(1))
        levels = np.asarray(gray)
        histogram = np.array(gray.histogram())
        border = np.bincount(border_ring(levels), minlength=256)
        to_ink = _IDENTITY
        smoothed_noise = noise / 3.0  # a 3x3 mean divides white noise by 3

    # background: subtract a large-scale estimate of the paper (negatives clip to 0);
    # ``to_residual`` maps the grey levels of ``gray`` to the ink above the paper
    flat_tolerance = FLAT_PAPER + 2.0 * smoothed_noise * 255.0
    paper = _estimate_background(levels, to_ink is _INVERT, flat_tolerance)
    if isinstance(paper, int):
        to_residual = np.maximum(to_ink - paper, 0)
        histogram = np.bincount(to_residual, weights=histogram, minlength=256)
        border = np.bincount(to_residual, weights=border, minlength=256)
    else:
        ink = ImageOps.invert(gray) if to_ink is _INVERT else gray
        gray = ImageChops.subtract(ink, paper)
        histogram = np.array(gray.histogram())
        border = np.bincount(border_ring(np.asarray(gray)), minlength=256)
        to_residual = _IDENTITY

    # contrast: the strongest ink must stand out from the paper along the border
    peak = _level_from_top(histogram, EXTREME_PIXELS)
    paper_level = _median(border)
    if peak - paper_level < min_contrast * 255.0:
        return None

    # scale the strongest ink to 1 and cut the paper's grain off below it
    grain = paper_level + NOISE_FLOOR_SIGMAS * smoothed_noise * 255.0
    floor = min(max(grain, 0.04 * peak), 0.5 * peak)
    scaled = np.clip((np.arange(256) - floor) / (peak - floor), 0.0, 1.0)
    to_level_bytes = np.round(scaled * 255.0).astype(int)[to_residual]
    level_bytes = np.asarray(gray.point(to_level_bytes.tolist()))  # (H, W) uint8

    return InkMap(
        level_bytes=level_bytes,
        mask=level_bytes > round(mask_level * 255.0),
        contrast=(peak - paper_level) / 255.0,
        dark_ink=dark_ink,
        noise=noise,
    )


def _level_from_top(histogram: np.ndarray, count: int) -> int:
    """The grey level that ``count`` pixels reach or exceed, from a 256-bin histogram."""
    from_top = np.cumsum(histogram[::-1])
    return 255 - int(np.searchsorted(from_top, count))


def _ink_is_dark(border: np.ndarray, cumulative: np.ndarray, count: int) -> bool:
    """Whether the ink is darker than the ground, judged from the border and the extremes.

    The ground is the median of the border ring (``border``, its 256-bin
    histogram): strokes rarely fill it, even in a tight crop. ``count``
    pixels at each end of the cumulative histogram stand for the two extremes.
    """
    ground = _median(border)
    darkest = int(np.searchsorted(cumulative, count))
    lightest = int(np.searchsorted(cumulative, cumulative[-1] - count))
    return bool(ground - darkest > lightest - ground)


def border_ring(levels: np.ndarray) -> np.ndarray:
    """The values on the ring along a picture's edges, BORDER_SHARE of its shorter side wide."""
    height, width = levels.shape
    ring = max(1, round(min(height, width) * BORDER_SHARE))
    return np.concatenate(
        [
            levels[:ring].ravel(),
            levels[-ring:].ravel(),
            levels[ring:-ring, :ring].ravel(),
            levels[ring:-ring, -ring:].ravel(),
        ]
    )


def _pixel_noise(levels: np.ndarray) -> float:
    """Standard deviation of the pixel noise, from neighbour differences on every 4th row.

    Most neighbouring pixels sit on flat paper, so the median absolute
    difference measures the grain and not the strokes.
    """
    rows = levels[::4].astype(np.int16)
    differences = np.abs(np.diff(rows, axis=1))
    # For Gaussian noise, median |a - b| = 0.954 sigma; in units of full scale.
    return float(_median(np.bincount(differences.ravel(), minlength=256))) / 0.954 / 255.0


def _median(histogram: np.ndarray) -> float:
    """Median of the values counted in a 256-bin histogram, interpolated within its bin.

    Interpolation keeps small medians (a noise of one or two grey levels)
    from jumping by whole levels.
    """
    above_or_at = np.cumsum(histogram)
    below = above_or_at - histogram
    half = above_or_at[-1] / 2
    level = int(np.searchsorted(above_or_at, half))
    return level - 0.5 + float(half - below[level]) / max(int(histogram[level]), 1)


def _estimate_background(levels: np.ndarray, dark_ink: bool, tolerance: float) -> Image.Image | int:
    """Return the paper's grey level under every pixel: an 8-bit image, or one level.

    Levels are those of the ink made bright (``levels`` as they are, or
    inverted when ``dark_ink``). Each coarse cell keeps its darkest pixel;
    an opening over 3x3 cells then removes cells that ink covered entirely,
    and bilinear interpolation brings the grid back to full size.

    When the cells around the rim agree within ``tolerance`` grey levels
    (a drawing canvas, a scan, evenly lit paper), one level is returned for
    the whole image: the opening would mistake the filled loops of a thick
    marker digit, wider than three cells, for paper and hollow them out.
    """
    height, width = levels.shape
    cell = max(4, -(-max(height, width) // BACKGROUND_CELLS))

    # the darkest of the bright-ink levels is the lightest of dark-ink levels
    extreme = np.maximum if dark_ink else np.minimum
    cells = _cell_extremes(levels, cell, extreme)  # (rows, cols)
    if dark_ink:
        cells = 255 - cells
    grid = Image.fromarray(cells, "L")
    grid = grid.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))

    opened = np.asarray(grid)  # (rows, cols)
    rim = np.concatenate([opened[0], opened[-1], opened[1:-1, 0], opened[1:-1, -1]])
    if int(rim.max()) - int(rim.min()) <= tolerance:
        return int(np.median(rim))
    return grid.resize((width, height), Image.Resampling.BILINEAR)


def _cell_extremes(levels: np.ndarray, cell: int, extreme: np.ufunc) -> np.ndarray:
    """``extreme`` (np.minimum or np.maximum) of each ``cell`` x ``cell`` block of pixels.

    Blocks at the bottom and right edges may be smaller. Whole bands of rows
    are reduced as one reshaped array, far quicker than ``reduceat`` down
    the columns of the full picture.
    """
    height, width = levels.shape
    whole = height // cell * cell
    bands = extreme.reduce(levels[:whole].reshape(-1, cell, width), axis=1)  # (H // cell, W)
    if whole < height:
        bands = np.vstack([bands, extreme.reduce(levels[whole:], axis=0)])
    return extreme.reduceat(bands, np.arange(0, width, cell), axis=1)
