"""From a user's image to the 28x28 digits LeNet-5 reads: the one entry point.

``predict``, the web page and the benchmarks all call :func:`preprocess`:

    result = preprocess("photo.jpg")
    if result.empty:
        ...  # nothing drawn: say so rather than guess
    for digit in result.digits:  # left to right
        digit.image  # (28, 28) float32 in [0, 1], white on black, MNIST-framed
        digit.box  # where it was, in the source image's pixels

The steps live in their own modules: :mod:`.loading` (any file to grey),
:mod:`.ink` (polarity, background, contrast), :mod:`.segmenting` (one box per
digit), :mod:`.strokes` (marker strokes thinned) and :mod:`.framing` (20x20
box, centre of mass in 28x28); :mod:`.sheet` finds a sheet of paper photographed
on a desk. This module strings them together and, on a large page where the
digits came out small, takes a second, closer look.
The caller normalises with the data set's mean and standard deviation.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from lenetlab.imaging.framing import MNIST_BOX, MNIST_FRAME, fit_box, frame_digit
from lenetlab.imaging.ink import InkMap, find_ink, to_level
from lenetlab.imaging.loading import ImageSource, load_image, to_gray
from lenetlab.imaging.segmenting import (
    FRAGMENT_GAP,
    FRAGMENT_HEIGHT,
    MERGE_OVERLAP,
    MIN_HEIGHT_FRACTION,
    MIN_SIZE_FRACTION,
    SPECK_FRACTION,
    Segment,
    drop_small,
    find_digits,
)
from lenetlab.imaging.sheet import find_sheet
from lenetlab.imaging.strokes import (
    THICK_STROKE,
    THINNED_STROKE,
    grow,
    stroke_width,
    thin_strokes,
)


@dataclass(frozen=True)
class PreprocessSettings:
    """How :func:`preprocess` reads a picture; the defaults suit canvases and phone photos."""

    working_size: int = 512  # longer side, in pixels, that images are shrunk to for analysis
    box_size: int = MNIST_BOX  # longer side of a digit's box in the frame
    frame_size: int = MNIST_FRAME  # side of the output frame
    min_contrast: float = 0.12  # weakest ink above the paper that counts as drawn, 0-1 scale
    mask_level: float = 0.3  # ink level, 0-1 after scaling, from which a pixel is a stroke
    speck_fraction: float = SPECK_FRACTION  # strokes under this share of the largest are specks
    merge_overlap: float = MERGE_OVERLAP  # horizontal overlap, share of the narrower, that joins
    min_height_fraction: float = MIN_HEIGHT_FRACTION  # digits shorter than this share: dots
    fragment_height: float = FRAGMENT_HEIGHT  # digits shorter than this share of the median...
    fragment_gap: float = FRAGMENT_GAP  # ...and this many median heights from one, join it
    min_size_fraction: float = MIN_SIZE_FRACTION  # digits smaller than this share: stray marks
    halo: int = 2  # source pixels of faint ink kept around a digit's strokes
    thick_stroke: float | None = THICK_STROKE  # framed stroke width to thin from; None: never
    thinned_stroke: float = THINNED_STROKE  # framed stroke width that thick strokes are thinned to


@dataclass(frozen=True)
class DigitCrop:
    """One digit, ready for the network."""

    image: np.ndarray  # (28, 28) float32 in [0, 1], white digit on black
    box: tuple[int, int, int, int]  # (left, top, right, bottom) in source pixels, exclusive


@dataclass(frozen=True)
class Preprocessed:
    """The digits found in one image, left to right; none when nothing was drawn."""

    digits: list[DigitCrop]
    size: tuple[int, int]  # (width, height) of the source image, upright
    dark_ink: bool | None = None  # True for dark ink on light ground; None when empty
    contrast: float = 0.0  # strongest ink above the paper, 0-1 of the grey scale
    frame_size: int = MNIST_FRAME  # side of each digit's frame

    @property
    def empty(self) -> bool:
        """True when the image holds nothing that looks drawn."""
        return not self.digits

    @property
    def images(self) -> np.ndarray:
        """All digits stacked, (N, frame, frame) float32, N = 0 when empty."""
        if not self.digits:
            return np.zeros((0, self.frame_size, self.frame_size), dtype=np.float32)
        return np.stack([digit.image for digit in self.digits])


DEFAULT_SETTINGS = PreprocessSettings()

# A closer look at part of a shrunk page is taken when its digits came out
# shorter than this many pixels (a 20-pixel box wants about twice that) ...
ZOOM_BELOW = 48

# ... and the look brings at least this much more detail ...
ZOOM_GAIN = 1.5

# ... over a region that covers at least this share of the page's longer side.
ZOOM_CONTEXT = 0.25


def preprocess(
    source: ImageSource | Image.Image | np.ndarray,
    *,
    name_for_errors: str | None = None,
    settings: PreprocessSettings = DEFAULT_SETTINGS,
) -> Preprocessed:
    """Find the digits in an image and frame each as an MNIST digit.

    ``source`` is a path, the bytes of an image file, a Pillow image, or a
    numpy array: (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA, uint8 or
    float in [0, 1]. Unreadable files raise :class:`~lenetlab.errors.ImageError`;
    an image with nothing drawn comes back with ``empty`` True.

    Images larger than ``settings.working_size`` are analysed shrunk; when
    the digits then turn out to fill only a small part of a large page, the
    part around them is decoded again at full resolution and analysed anew.
    """
    picture = _picture(source, name_for_errors, settings.working_size)
    empty = Preprocessed(digits=[], size=picture.size, frame_size=settings.frame_size)
    gray = picture.gray
    view = (0, 0, *picture.size)  # the part of the source that ``gray`` shows

    # a light sheet on a darker desk: the sheet is the page
    sheet = find_sheet(gray, min_contrast=settings.min_contrast)
    if sheet is not None:
        view = _to_source(sheet, (gray.height, gray.width), view)
        gray = gray.crop(sheet)

    # first look, at working size: where is the ink?
    found = _find(gray, settings)
    if found is None:
        return empty
    ink, segments = found

    # second look, closer, when the digits sit small on a page that was shrunk
    region = _zoom_region(segments, ink.mask.shape, view, settings.working_size)
    if region is not None:
        closer = _find(picture.region(region, settings.working_size), settings)
        if closer is not None:
            ink, segments = closer
            view = region
    segments = drop_small(segments, ink.mask.shape, settings.min_size_fraction)

    # each digit: its own strokes and their halo, framed as MNIST did
    digits = []
    for segment in segments:
        crop = _digit_ink(ink.level_bytes, segment.box, segment.mask, settings.halo)
        box = _to_source(segment.box, ink.mask.shape, view)
        digits.append(DigitCrop(image=_frame(crop, settings), box=box))

    if not digits:
        return empty
    return Preprocessed(
        digits=digits,
        size=picture.size,
        dark_ink=ink.dark_ink,
        contrast=ink.contrast,
        frame_size=settings.frame_size,
    )


def preprocess_digit(
    source: ImageSource | Image.Image | np.ndarray,
    *,
    name_for_errors: str | None = None,
    settings: PreprocessSettings = DEFAULT_SETTINGS,
) -> np.ndarray:
    """Frame the single digit an image holds: (28, 28) float32, all zeros when empty.

    For tests and benchmarks that hand over one digit at a time; when several
    digits are found, the one with the most ink is returned.
    """
    result = preprocess(source, name_for_errors=name_for_errors, settings=settings)
    if result.empty:
        return np.zeros((settings.frame_size, settings.frame_size), dtype=np.float32)
    return max((digit.image for digit in result.digits), key=lambda image: float(image.sum()))


def save_digits(result: Preprocessed, directory: str | Path, stem: str = "digit") -> list[Path]:
    """Write each framed digit as an 8-bit PNG, ``<stem>-<n>.png``, and return the paths.

    These are exactly what the network is shown (before mean/std
    normalisation), for ``predict --show-input``. The folder may hold the
    user's own images, so no file is ever replaced: where ``<stem>-<n>.png``
    exists, the digit goes to ``<stem>-<n>-2.png``, ``-3`` and so on, and
    the paths returned are the ones written.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, digit in enumerate(result.digits):
        pixels = np.round(np.clip(digit.image, 0.0, 1.0) * 255.0).astype(np.uint8)
        png = io.BytesIO()
        Image.fromarray(pixels, "L").save(png, "PNG")
        paths.append(_write_to_free_name(directory / f"{stem}-{number}.png", png.getvalue()))
    return paths


def _write_to_free_name(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path``, or to ``<stem>-2``, ``-3``... beside it if taken; say where."""
    candidate, copy = path, 1
    while not _write_new_file(candidate, data):
        copy += 1
        candidate = path.with_stem(f"{path.stem}-{copy}")
    return candidate


def _write_new_file(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` only if nothing is there; False, touching nothing, if taken.

    Exclusive creation makes the check and the write one step, so a file
    that appears meanwhile is not replaced either, nor is a symbolic link
    followed. A half-written file of ours is removed rather than left.
    """
    try:
        file = open(path, "xb")
    except FileExistsError:
        return False
    try:
        with file:
            file.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return True


@dataclass(frozen=True)
class _Picture:
    """The source as the pipeline needs it: whole at working size, or any region of it."""

    gray: Image.Image  # mode "L", longer side at most the working size
    size: tuple[int, int]  # (width, height) of the full-size upright source
    region: Callable[[tuple[int, int, int, int], int], Image.Image]  # (box, max_side) -> "L"


def _picture(
    source: ImageSource | Image.Image | np.ndarray, name: str | None, working_size: int
) -> _Picture:
    """Wrap a file, Pillow image or array so the pipeline can ask for whole or part."""
    if isinstance(source, np.ndarray):
        source = _array_to_image(source)
    if isinstance(source, Image.Image):
        image, label = source, name or "image"
        return _Picture(
            gray=to_gray(image, max_side=working_size, name_for_errors=label),
            size=image.size,
            region=lambda box, side: to_gray(image.crop(box), max_side=side, name_for_errors=label),
        )
    loaded = load_image(source, name_for_errors=name, max_side=working_size)
    return _Picture(gray=loaded.gray, size=loaded.size, region=loaded.region)


def _find(gray: Image.Image, settings: PreprocessSettings) -> tuple[InkMap, list[Segment]] | None:
    """Ink map and digit segments of a grey picture; None when nothing is drawn."""
    ink = find_ink(gray, min_contrast=settings.min_contrast, mask_level=settings.mask_level)
    if ink is None:
        return None
    segments = find_digits(
        ink.mask,
        speck_fraction=settings.speck_fraction,
        merge_overlap=settings.merge_overlap,
        min_height_fraction=settings.min_height_fraction,
        fragment_height=settings.fragment_height,
        fragment_gap=settings.fragment_gap,
    )
    return ink, segments


def _zoom_region(
    segments: list[Segment],
    analysed_shape: tuple[int, int],
    view: tuple[int, int, int, int],
    working_size: int,
) -> tuple[int, int, int, int] | None:
    """The part of the source worth a closer look, in source pixels; None if not worth it.

    ``segments`` were found in a picture of ``analysed_shape`` (H, W) that
    shows the ``view`` box of the source (the whole image, or the sheet).
    Digits ZOOM_BELOW pixels tall or more have detail enough already. The
    region stays inside the view and holds the digits with half their size
    again as margin, and at least ZOOM_CONTEXT of the view, so the paper
    around them still counts for the background and for judging what is
    too small to be a digit. It is worth a look when it brings ZOOM_GAIN
    times the detail.
    """
    tallest = max((segment.box[3] - segment.box[1] for segment in segments), default=0)
    if not segments or tallest >= ZOOM_BELOW:
        return None
    union = (
        min(segment.box[0] for segment in segments),
        min(segment.box[1] for segment in segments),
        max(segment.box[2] for segment in segments),
        max(segment.box[3] for segment in segments),
    )
    left, top, right, bottom = _to_source(union, analysed_shape, view)

    view_left, view_top, view_right, view_bottom = view
    view_width, view_height = view_right - view_left, view_bottom - view_top
    context = ZOOM_CONTEXT * max(view_width, view_height)
    width = min(max(1.5 * (right - left), context), view_width)
    height = min(max(1.5 * (bottom - top), context), view_height)
    detail_now = max(analysed_shape) / max(view_width, view_height)
    detail_then = min(1.0, working_size / max(width, height))
    if detail_then < ZOOM_GAIN * detail_now:
        return None

    # centred on the digits, slid back inside the view where it would stick out
    region_left = min(max((left + right - width) / 2, view_left), view_right - width)
    region_top = min(max((top + bottom - height) / 2, view_top), view_bottom - height)
    return (
        int(region_left),
        int(region_top),
        min(view_right, int(np.ceil(region_left + width))),
        min(view_bottom, int(np.ceil(region_top + height))),
    )


def _to_source(
    box: tuple[int, int, int, int], analysed_shape: tuple[int, int], view: tuple[int, int, int, int]
) -> tuple[int, int, int, int]:
    """A box in the analysed picture's pixels, mapped to the source's pixels."""
    view_left, view_top, view_right, view_bottom = view
    scale_x = (view_right - view_left) / analysed_shape[1]
    scale_y = (view_bottom - view_top) / analysed_shape[0]
    left, top, right, bottom = box
    return (
        view_left + int(left * scale_x),
        view_top + int(top * scale_y),
        min(view_right, view_left + int(np.ceil(right * scale_x))),
        min(view_bottom, view_top + int(np.ceil(bottom * scale_y))),
    )


def _array_to_image(array: np.ndarray) -> Image.Image:
    """A Pillow image from a grey, RGB or RGBA array, uint8 or float in [0, 1]."""
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"expected an (H, W), (H, W, 3) or (H, W, 4) array, got {array.shape}")
    if array.dtype.kind == "f":
        array = np.round(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)
    elif array.dtype != np.uint8:
        raise ValueError(f"expected a uint8 array or floats in [0, 1], got {array.dtype}")
    return Image.fromarray(np.ascontiguousarray(array))


def _frame(crop: np.ndarray, settings: PreprocessSettings) -> np.ndarray:
    """Frame one digit's ink, thinning marker-thick strokes towards a pen's width first."""
    image = frame_digit(crop, box_size=settings.box_size, frame_size=settings.frame_size)
    if settings.thick_stroke is None:
        return image
    width = stroke_width(image)
    if width <= settings.thick_stroke:
        return image

    # Erode at the source resolution, and only where one source pixel is at most half
    # a frame pixel: eroding a small digit removes whole frame pixels and breaks it.
    left, top, right, bottom = fit_box(crop)
    frame_per_source = settings.box_size / max(right - left, bottom - top)
    if frame_per_source > 0.5:
        return image
    radius = round((width - settings.thinned_stroke) / 2.0 / frame_per_source)
    thinned = thin_strokes(crop, radius)
    return frame_digit(thinned, box_size=settings.box_size, frame_size=settings.frame_size)


def _digit_ink(
    level_bytes: np.ndarray, box: tuple[int, int, int, int], mask: np.ndarray, halo: int
) -> np.ndarray:
    """The ink inside ``box`` that lies within ``halo`` pixels of the digit's own strokes.

    Faint edges just below the stroke threshold stay; other digits' strokes
    and specks that reach into the box go. ``level_bytes`` is the ink map's
    8-bit level; the crop comes back as float32 in [0, 1].
    """
    left, top, right, bottom = box
    height, width = level_bytes.shape
    outer_left, outer_right = max(left - halo, 0), min(right + halo, width)
    outer_top, outer_bottom = max(top - halo, 0), min(bottom + halo, height)

    # the digit's strokes, grown by the halo
    near = np.zeros((outer_bottom - outer_top, outer_right - outer_left), dtype=bool)
    near[top - outer_top : bottom - outer_top, left - outer_left : right - outer_left] = mask
    near = grow(near, halo)

    return to_level(level_bytes[outer_top:outer_bottom, outer_left:outer_right] * near)


__all__ = [
    "DEFAULT_SETTINGS",
    "DigitCrop",
    "PreprocessSettings",
    "Preprocessed",
    "preprocess",
    "preprocess_digit",
    "save_digits",
]
