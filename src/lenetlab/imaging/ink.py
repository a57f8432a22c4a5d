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


@dataclass(frozen=True)
class InkMap:
    """The ink of one picture, with what was learned about it on the way."""

    level: np.ndarray  # (H, W) float32 in [0, 1]: 0 paper, 1 the strongest ink
    mask: np.ndarray  # (H, W) bool: pixels that belong to a stroke
    contrast: float  # strongest ink above the paper, 0-1 of the full grey scale
    dark_ink: bool  # True when the picture had dark ink on a light ground
    noise: float  # pixel noise before smoothing, 0-1 of the full grey scale


def find_ink(gray: Image.Image, *, min_contrast: float, mask_level: float) -> InkMap | None:
    """Return the ink map of an 8-bit grey image, or None when no ink stands out.

    ``min_contrast`` is the weakest ink, above the paper and as a share of
    the full grey scale, that counts as drawn; ``mask_level`` is the ink
    level, after scaling, from which a pixel counts as part of a stroke.
    The work is done on 8-bit Pillow images and 256-bin histograms: no
    sorting, no float images until the last step.
    """
    # polarity: make the ink the bright side, as in MNIST
    levels = np.asarray(gray)  # (H, W) uint8
    dark_ink = _ink_is_dark(levels, np.cumsum(gray.histogram()), EXTREME_PIXELS)
    if dark_ink:
        gray = ImageOps.invert(gray)
        levels = np.asarray(gray)

    # noise: smooth grain and JPEG blocks before they can pass for ink
    noise = _pixel_noise(levels)
    smoothed_noise = noise
    if noise > NOISE_TO_BLUR:
        gray = gray.filter(ImageFilter.BoxBlur(1))
        levels = np.asarray(gray)
        smoothed_noise = noise / 3.0  # a 3x3 mean divides white noise by 3

    # background: subtract a large-scale estimate of the paper (negatives clip to 0)
    flat_tolerance = FLAT_PAPER + 2.0 * smoothed_noise * 255.0
    paper = _estimate_background(levels, flat_tolerance)
    residual = ImageChops.subtract(gray, paper)
    histogram = np.array(residual.histogram())

    # contrast: the strongest ink must stand out from the paper along the border
    peak = _level_from_top(histogram, EXTREME_PIXELS)
    paper_level = _median(np.bincount(border_ring(np.asarray(residual)), minlength=256))
    if peak - paper_level < min_contrast * 255.0:
        return None

    # scale the strongest ink to 1 and cut the paper's grain off below it
    grain = paper_level + NOISE_FLOOR_SIGMAS * smoothed_noise * 255.0
    floor = min(max(grain, 0.04 * peak), 0.5 * peak)
    scaled = np.clip((np.arange(256) - floor) / (peak - floor), 0.0, 1.0)
    level = residual.point(np.round(scaled * 255.0).astype(int).tolist())
    level_bytes = np.asarray(level)  # (H, W) uint8

    return InkMap(
        level=level_bytes.astype(np.float32) * np.float32(1 / 255),
        mask=level_bytes > round(mask_level * 255.0),
        contrast=(peak - paper_level) / 255.0,
        dark_ink=dark_ink,
        noise=noise,
    )


def _level_from_top(histogram: np.ndarray, count: int) -> int:
    """The grey level that ``count`` pixels reach or exceed, from a 256-bin histogram."""
    from_top = np.cumsum(histogram[::-1])
    return 255 - int(np.searchsorted(from_top, count))


def _ink_is_dark(levels: np.ndarray, cumulative: np.ndarray, count: int) -> bool:
    """Whether the ink is darker than the ground, judged from the border and the extremes.

    The ground is the median of the border ring: strokes rarely fill it,
    even in a tight crop. ``count`` pixels at each end of the cumulative
    histogram stand for the two extremes.
    """
    ground = _median(np.bincount(border_ring(levels), minlength=256))
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


def _estimate_background(levels: np.ndarray, tolerance: float) -> Image.Image:
    """Return the paper's grey level under every pixel, as an 8-bit image.

    Each coarse cell keeps its darkest pixel (the ink is bright by now);
    an opening over 3x3 cells then removes cells that ink covered entirely,
    and bilinear interpolation brings the grid back to full size.

    When the cells around the rim agree within ``tolerance`` grey levels
    (a drawing canvas, a scan, evenly lit paper), one level is used for the
    whole image: the opening would mistake the filled loops of a thick
    marker digit, wider than three cells, for paper and hollow them out.
    """
    height, width = levels.shape
    cell = max(4, -(-max(height, width) // BACKGROUND_CELLS))

    rows = np.arange(0, height, cell)
    cols = np.arange(0, width, cell)
    cells = np.minimum.reduceat(np.minimum.reduceat(levels, rows, axis=0), cols, axis=1)
    grid = Image.fromarray(cells, "L")
    grid = grid.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))

    opened = np.asarray(grid)  # (rows, cols)
    rim = np.concatenate([opened[0], opened[-1], opened[1:-1, 0], opened[1:-1, -1]])
    if int(rim.max()) - int(rim.min()) <= tolerance:
        return Image.new("L", (width, height), int(np.median(rim)))
    return grid.resize((width, height), Image.Resampling.BILINEAR)
