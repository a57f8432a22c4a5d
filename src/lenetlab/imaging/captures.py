"""Synthetic captures of MNIST digits: the files real users would hand us.

Each capture takes one MNIST digit, a (28, 28) uint8 array with white ink on
black, and a numpy Generator, and returns the bytes of an image file that
shows the same digit the way people produce them: drawn black on white, on a
transparent canvas, photographed on paper (with or without the desk around
the sheet), with a thick marker, tiny in a
corner of a large page, in the less common pixel modes, or rotated by the
camera. The tests check that :func:`~lenetlab.imaging.preprocess` recovers
the clean digit from each; the capture benchmark runs every kind over the
10,000 test digits and reports accuracy per kind.

    rng = np.random.default_rng(0)
    data = CAPTURES["photo"](digit, rng)  # JPEG bytes
    data = capture_number([seven, four, two], rng)  # "742" in one PNG

Everything here is deterministic given the Generator.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageFilter

from lenetlab.imaging.loading import EXIF_ORIENTATION
from lenetlab.imaging.strokes import grow

Capture = Callable[[np.ndarray, np.random.Generator], bytes]


def capture_clean(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """The digit as MNIST stores it, as an 8-bit grey PNG: the reference for the others."""
    return _encode(Image.fromarray(digit, "L"), "PNG")


def capture_inverted(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """Black ink on white, enlarged to a drawing canvas of 112-320 pixels, as a PNG."""
    ink = _enlarge(digit, int(rng.integers(112, 321)))
    return _encode(_gray(1.0 - ink), "PNG")


def capture_transparent(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """RGBA canvas: the ink in the alpha channel, random junk colour in transparent pixels.

    The pen is dark or light at random, so both polarities of canvas occur.
    """
    size = int(rng.integers(112, 321))
    alpha = _enlarge(digit, size)
    pixels = rng.integers(0, 256, size=(size, size, 4), dtype=np.uint8)  # junk everywhere
    pen = rng.integers(0, 60, size=3) if rng.random() < 0.5 else rng.integers(200, 256, size=3)
    stroke = alpha > 0
    pixels[stroke, :3] = pen
    pixels[..., 3] = np.round(alpha * 255.0).astype(np.uint8)
    return _encode(Image.fromarray(pixels, "RGBA"), "PNG")


def capture_palette(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A GIF: dark grey levels on a transparent palette entry whose colour is also dark."""
    size = int(rng.integers(84, 225))
    levels = np.round(_enlarge(digit, size) * 15.0).astype(np.uint8)  # 16 levels, 0 = ground
    palette = [0, 0, 0]  # entry 0: the transparent ground, coloured like the ink
    for level in range(1, 16):
        grey = 255 - round(level * 255 / 15)
        palette += [grey, grey, grey]
    image = Image.fromarray(levels, "P")
    image.putpalette(palette)
    return _encode(image, "GIF", transparency=0)


def capture_photo(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A phone photo of the digit on paper: dark ink, uneven light, grain, blur, JPEG.

    The digit fills 50-90% of a 300-600 pixel frame, anywhere in it. The
    paper is slightly tinted and lit by a gradient across the frame; the
    blue-black ink absorbs 60-90% of the light where the pen pressed
    hardest; Gaussian grain and a small blur stand for the sensor and the
    lens, and the JPEG quality is 70-85.
    """
    size = int(rng.integers(300, 601))
    side = int(size * rng.uniform(0.5, 0.9))
    top, left = rng.integers(0, size - side + 1, size=2)
    ink = np.zeros((size, size), dtype=np.float32)
    ink[top : top + side, left : left + side] = _enlarge(digit, side)
    paper = np.ones((size, size), dtype=np.float32)
    return _photograph(ink, paper, rng)


def capture_desk(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A phone photo that shows the desk around the sheet: a light page on a dark surround.

    The sheet covers 55-85% of the frame's width and height, off-centre;
    the digit fills 50-80% of the sheet. Otherwise as :func:`capture_photo`.
    """
    size = int(rng.integers(300, 601))
    sheet = (size * rng.uniform(0.55, 0.85, size=2)).astype(int)  # (height, width)
    sheet_top, sheet_left = (rng.integers(0, size - extent + 1) for extent in sheet)
    paper = np.full((size, size), rng.uniform(0.15, 0.4), dtype=np.float32)  # the desk
    paper[sheet_top : sheet_top + sheet[0], sheet_left : sheet_left + sheet[1]] = 1.0

    side = int(min(sheet) * rng.uniform(0.5, 0.8))
    top = sheet_top + int(rng.integers(0, sheet[0] - side + 1))
    left = sheet_left + int(rng.integers(0, sheet[1] - side + 1))
    ink = np.zeros((size, size), dtype=np.float32)
    ink[top : top + side, left : left + side] = _enlarge(digit, side)
    return _photograph(ink, paper, rng)


def _photograph(ink: np.ndarray, albedo: np.ndarray, rng: np.random.Generator) -> bytes:
    """JPEG bytes of ink (square, floats in [0, 1]) on a surface of the given albedo.

    Light falls as a gradient across the frame, the lens blurs a little, the
    sensor adds grain, the ink is blue-black and the paper slightly tinted.
    """
    size = ink.shape[0]
    lens = ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5))
    ink = np.asarray(_gray(ink).filter(lens), dtype=np.float32) / 255.0

    # light: a linear gradient in a random direction over a tinted surface
    angle = rng.uniform(0.0, 2.0 * np.pi)
    ramp = np.linspace(-0.5, 0.5, size, dtype=np.float32)
    light = np.cos(angle) * ramp[None, :] + np.sin(angle) * ramp[:, None]  # (size, size)
    brightness = (rng.uniform(0.7, 0.92) + rng.uniform(0.1, 0.25) * light) * albedo
    tint = np.array([1.0, rng.uniform(0.96, 1.0), rng.uniform(0.88, 0.98)], dtype=np.float32)

    # ink: absorbs 60-90% of the light where the pen pressed hardest
    darkness = rng.uniform(0.6, 0.9)
    pen = np.array([0.15, 0.15, rng.uniform(0.2, 0.45)], dtype=np.float32)
    surface = brightness[..., None] * tint  # (size, size, 3)
    covered = ink[..., None] * darkness
    pixels = surface * (1.0 - covered) + surface * pen * covered
    pixels += rng.normal(0.0, rng.uniform(0.01, 0.03), size=pixels.shape).astype(np.float32)

    image = Image.fromarray(_to_bytes(pixels), "RGB")
    return _encode(image, "JPEG", quality=int(rng.integers(70, 86)))


def capture_marker(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """Thick marker strokes, black on white, on a 280-pixel canvas, as a PNG.

    A pen stroke of the enlarged digit is about 28 pixels across; the marker
    adds 8-16 pixels to it, which is enough to close small loops.
    """
    size = 280
    stroke = _enlarge(digit, size) > 0.5
    radius = int(rng.integers(4, 9))
    return _encode(_gray(1.0 - grow(stroke, radius).astype(np.float32)), "PNG")


def capture_tiny(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A digit 28-48 pixels tall, off-centre on a 300-600 pixel page of either polarity."""
    page = int(rng.integers(300, 601))
    side = int(rng.integers(28, 49))
    ink = np.zeros((page, page), dtype=np.float32)
    top, left = rng.integers(0, page - side, size=2)
    ink[top : top + side, left : left + side] = _enlarge(digit, side)
    if rng.random() < 0.5:
        ink = 1.0 - ink
    return _encode(_gray(ink), "PNG")


def capture_bilevel(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """Mode "1" (one bit per pixel), black on white, as a scanner's line-art mode saves it."""
    stroke = _enlarge(digit, int(rng.integers(84, 225))) > 0.5
    return _encode(Image.fromarray(~stroke), "PNG")


def capture_gray16(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A 16-bit grey PNG holding 12-bit data, black on white, as scientific cameras save it."""
    ink = _enlarge(digit, int(rng.integers(84, 225)))
    counts = np.round((1.0 - ink) * 4095.0).astype(np.uint16)
    return _encode(Image.fromarray(counts), "PNG")


def capture_cmyk(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A CMYK TIFF, the digit in the black plate, as print workflows save it."""
    ink = _enlarge(digit, int(rng.integers(84, 225)))
    plates = np.zeros(ink.shape + (4,), dtype=np.uint8)
    plates[..., 3] = np.round(ink * 255.0).astype(np.uint8)
    return _encode(Image.fromarray(plates, "CMYK"), "TIFF")


def capture_gray_alpha(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """Grey plus alpha (LA) PNG: the ink in alpha, black pen, random grey in transparent pixels."""
    size = int(rng.integers(84, 225))
    alpha = np.round(_enlarge(digit, size) * 255.0).astype(np.uint8)
    grey = rng.integers(0, 256, size=(size, size), dtype=np.uint8)
    grey[alpha > 0] = 0
    return _encode(Image.fromarray(np.stack([grey, alpha], axis=-1), "LA"), "PNG")


def capture_rotated(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A JPEG stored sideways or upside down, with the EXIF tag that turns it upright.

    Orientation 6 means "turn 90 degrees clockwise to view", so the pixels
    are stored turned 90 degrees anticlockwise; 8 is the reverse, 3 is 180.
    """
    upright = _gray(1.0 - _enlarge(digit, int(rng.integers(112, 321))))
    stored, exif = as_camera_stores(upright, int(rng.choice([3, 6, 8])))
    return _encode(stored, "JPEG", quality=92, exif=exif)


def as_camera_stores(upright: Image.Image, orientation: int) -> tuple[Image.Image, Image.Exif]:
    """The pixels a camera writes for an ``upright`` picture, and the EXIF tag that undoes it.

    ``orientation`` is the EXIF value: 3 (stored upside down), 6 or 8 (stored
    turned a quarter, one way or the other).
    """
    turn = {
        3: Image.Transpose.ROTATE_180,
        6: Image.Transpose.ROTATE_90,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    return upright.transpose(turn), exif


CAPTURES: dict[str, Capture] = {
    "clean": capture_clean,
    "inverted": capture_inverted,
    "transparent": capture_transparent,
    "palette": capture_palette,
    "photo": capture_photo,
    "desk": capture_desk,
    "marker": capture_marker,
    "tiny": capture_tiny,
    "bilevel": capture_bilevel,
    "gray16": capture_gray16,
    "cmyk": capture_cmyk,
    "gray-alpha": capture_gray_alpha,
    "rotated": capture_rotated,
}


def capture_number(digits: Sequence[np.ndarray], rng: np.random.Generator) -> bytes:
    """Several digits written left to right as one number, black on white, as a PNG.

    Each digit is cut to its ink, and neighbours are 3-8 MNIST pixels apart
    with a small vertical jitter, so segmentation must find the gaps.
    """
    pieces = [_cut_to_ink(digit) for digit in digits]
    gaps = rng.integers(3, 9, size=len(pieces) + 1)
    jitter = rng.integers(-2, 3, size=len(pieces))
    height = max(piece.shape[0] for piece in pieces) + 12
    width = sum(piece.shape[1] for piece in pieces) + int(gaps.sum())

    row = np.zeros((height, width), dtype=np.float32)
    left = int(gaps[0])
    for piece, gap, shift in zip(pieces, gaps[1:], jitter):
        top = (height - piece.shape[0]) // 2 + int(shift)
        row[top : top + piece.shape[0], left : left + piece.shape[1]] = piece / 255.0
        left += piece.shape[1] + int(gap)

    scale = rng.uniform(3.0, 6.0)
    size = (round(width * scale), round(height * scale))
    enlarged = _gray(row).resize(size, Image.Resampling.BICUBIC)
    return _encode(Image.fromarray(255 - np.asarray(enlarged), "L"), "PNG")


def _enlarge(digit: np.ndarray, size: int) -> np.ndarray:
    """The digit resized to (size, size) with bicubic interpolation, float32 in [0, 1]."""
    image = Image.fromarray(digit, "L").resize((size, size), Image.Resampling.BICUBIC)
    return np.asarray(image, dtype=np.float32) / 255.0


def _cut_to_ink(digit: np.ndarray) -> np.ndarray:
    """The digit's bounding box of non-zero pixels."""
    rows = np.flatnonzero(digit.any(axis=1))
    cols = np.flatnonzero(digit.any(axis=0))
    return digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _gray(values: np.ndarray) -> Image.Image:
    """An 8-bit grey image from floats in [0, 1]."""
    return Image.fromarray(_to_bytes(values), "L")


def _to_bytes(values: np.ndarray) -> np.ndarray:
    return np.round(np.clip(values, 0.0, 1.0) * 255.0).astype(np.uint8)


def _encode(image: Image.Image, file_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, file_format, **options)
    return buffer.getvalue()
