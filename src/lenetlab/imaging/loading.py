"""Read whatever image a user hands us into one grey picture, safely.

People upload PNGs from a drawing canvas, phone photos in JPEG with an EXIF
rotation, scans in 16-bit TIFF, GIFs, palette images with a transparent
colour. :func:`load_image` turns all of them into a Pillow image in mode
``"L"`` (8-bit grey) where transparency has been resolved, so the rest of the
pipeline sees one kind of picture:

    loaded = load_image("photo.jpg", max_side=512)
    loaded.gray  # Pillow image, mode "L", longer side at most 512
    loaded.size  # (width, height) of the upright original

It refuses, with a one-line :class:`~lenetlab.errors.ImageError` naming the
file, anything it cannot read: unknown or corrupt bytes, truncated files,
paths that are no regular file (a folder, a pipe, ``/dev/zero``), files over
:data:`MAX_BYTES` and images over :data:`MAX_PIXELS` (the last also catches
decompression bombs before a pixel is decoded). Only the formats
in :data:`FORMATS` are tried, so a file cannot steer Pillow into a parser we
did not mean to expose (EPS, for one, runs Ghostscript).

Polarity is not decided here: the grey image keeps the user's light and dark.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from lenetlab.errors import ImageError

ImageSource = str | os.PathLike | bytes | bytearray | memoryview

# Formats a user may upload; Pillow is told to try no other parser.
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF")

# Largest upload accepted, in bytes: a phone photo is 2-8 MB.
MAX_BYTES = 20 * 1024 * 1024

# Largest image accepted, in pixels: a 48 MP phone sensor is refused, 12 MP is not.
MAX_PIXELS = 40_000_000

# Errors Pillow's parsers raise on damaged or hostile files. They are caught
# only around Pillow's own calls, so a bug in lenetlab still shows a traceback.
_PARSER_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    struct.error,
    ZeroDivisionError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)

# The EXIF tag that says how the camera was held; values 5-8 swap width and height.
EXIF_ORIENTATION = 0x0112

# Difference in grey levels between the rim and the core of the opaque strokes
# from which the rim's anti-aliasing is taken to point at the ground.
RIM_CONTRAST = 32

# Modes whose samples are wider than 8 bits: stretched from their own range.
_WIDE_MODES = ("I", "F", "I;16", "I;16L", "I;16B", "I;16N")


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image, reduced to grey, and what it looked like before."""

    gray: Image.Image  # mode "L", upright, transparency resolved, maybe shrunk
    size: tuple[int, int]  # (width, height) of the full-size upright image
    format: str  # Pillow's name for the file format, e.g. "PNG"
    data: bytes = field(repr=False)  # the file's bytes, to decode a region again
    name: str = field(repr=False)  # how messages refer to the image

    def region(self, box: tuple[int, int, int, int], max_side: int | None) -> Image.Image:
        """Grey image of ``box`` (left, top, right, bottom in full-size upright pixels).

        The file is decoded again at full resolution, so a small digit on a
        large page can be looked at closely; it was checked on first load.
        """
        image, _ = _decode(_open(self.data, self.name), self.name)
        return to_gray(image.crop(box), max_side=max_side, name_for_errors=self.name)


def load_image(
    source: ImageSource,
    *,
    name_for_errors: str | None = None,
    max_side: int | None = None,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> LoadedImage:
    """Decode ``source`` (a path or the file's bytes) into an upright 8-bit grey image.

    ``name_for_errors`` is how messages refer to the image (the file name by
    default, ``"image"`` for bytes). With ``max_side`` the image is shrunk so
    its longer side is at most that many pixels, as early as possible: JPEGs
    are decoded at 1/2, 1/4 or 1/8 scale by libjpeg itself, which skips most
    of the work of decoding a phone photo.
    """
    data, name = _read_bytes(source, name_for_errors, max_bytes)

    # Parse the header only; refuse oversized images before decoding a pixel.
    image = _open(data, name)
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageError(f"{name}: image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise ImageError(
            f"{name}: image is {width}x{height} = {width * height / 1e6:.1f} MP, "
            f"over the {max_pixels / 1e6:g} MP limit"
        )
    file_format = image.format or "unknown"

    # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still leaves max_side.
    if max_side is not None and file_format == "JPEG":
        scale = max(width, height) / max_side
        if scale >= 2:
            image.draft("L", (int(width / scale) + 1, int(height / scale) + 1))

    image, turned = _decode(image, name)
    size = (height, width) if turned else (width, height)
    gray = to_gray(image, max_side=max_side, name_for_errors=name)
    return LoadedImage(gray=gray, size=size, format=file_format, data=data, name=name)


def to_gray(
    image: Image.Image, *, max_side: int | None = None, name_for_errors: str = "image"
) -> Image.Image:
    """Any decoded Pillow image as 8-bit grey, transparency resolved, longer side <= max_side.

    The image is taken as upright: EXIF orientation is applied by
    :func:`load_image`, not here.
    """
    mode = image.mode
    try:
        return _to_gray(_shrink(image, max_side))
    except _PARSER_ERRORS as error:
        raise ImageError(
            f"{name_for_errors}: cannot convert {mode} pixels ({_reason(error)})"
        ) from None


def _read_bytes(
    source: ImageSource, name_for_errors: str | None, max_bytes: int
) -> tuple[bytes, str]:
    """Return the file's bytes and the name to use in messages, refusing big files."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = name_for_errors or "image"
    else:
        path = Path(source)
        name = name_for_errors or str(path)
        try:
            data = _read_regular_file(path, name, max_bytes)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise ImageError(f"{name}: cannot read the file ({reason})") from None

    if len(data) > max_bytes:
        raise ImageError(_too_many_bytes(name, len(data), max_bytes))
    if not data:
        raise ImageError(f"{name}: the file is empty")
    return data, name


def _read_regular_file(path: Path, name: str, max_bytes: int) -> bytes:
    """The bytes of a regular file, refused once they pass ``max_bytes``.

    Anything else is refused before it is opened: ``/dev/zero`` never ends
    and a named pipe waits for a writer forever. The file is opened without
    waiting and checked again, in case the path was swapped in between. Its
    stated size is not trusted either: a file that grows, or one in ``/proc``
    that claims to hold nothing, is read only to one byte past the limit.
    """
    status = os.stat(path)
    _refuse_unless_regular(status.st_mode, name)
    if status.st_size > max_bytes:
        raise ImageError(_too_many_bytes(name, status.st_size, max_bytes))

    with open(path, "rb", opener=_open_without_waiting) as file:
        _refuse_unless_regular(os.fstat(file.fileno()).st_mode, name)
        data = file.read(max_bytes + 1)

    if len(data) > max_bytes:
        raise ImageError(_too_many_bytes(name, None, max_bytes))
    return data


def _refuse_unless_regular(mode: int, name: str) -> None:
    if not stat.S_ISREG(mode):
        raise ImageError(f"{name}: cannot read the file ({_file_kind(mode)}, not a regular file)")


def _file_kind(mode: int) -> str:
    """What a path that is not a regular file is, in words, for the message refusing it."""
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((kind for is_kind, kind in kinds if is_kind(mode)), "a special file")


def _open_without_waiting(path: str, flags: int) -> int:
    """``os.open`` that returns at once even if the path has become a named pipe."""
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def _too_many_bytes(name: str, size: int | None, max_bytes: int) -> str:
    """The refusal of a file over the limit; ``size`` is None when only a part was read."""
    limit = f"the {max_bytes / 2**20:g} MB limit"
    if size is None:
        return f"{name}: file is over {limit}"
    return f"{name}: file is {size / 2**20:.1f} MB, over {limit}"


def _open(data: bytes, name: str) -> Image.Image:
    """Identify the format and read the header, with Pillow's bomb warning as an error.

    ``warnings.catch_warnings`` changes process-wide state, so in a threaded
    server another thread may briefly see Pillow's warning printed rather
    than raised; no image gets through that way, since Pillow warns only
    above 89 MP and :data:`MAX_PIXELS` is checked right after.
    """
    try:
        with warnings.catch_warnings():
            _quiet_pillow()
            return Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.UnidentifiedImageError:
        raise ImageError(
            f"{name}: cannot identify the image (readable formats: {', '.join(FORMATS)})"
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{name}: refused as a decompression bomb (too many pixels)") from None
    except _PARSER_ERRORS as error:
        raise ImageError(f"{name}: cannot read the image header ({_reason(error)})") from None


def _decode(image: Image.Image, name: str) -> tuple[Image.Image, bool]:
    """Decode the first frame and turn it upright as its EXIF orientation says.

    Also says whether the turn swapped width and height.
    """
    try:
        with warnings.catch_warnings():
            _quiet_pillow()
            image.load()
            orientation = image.getexif().get(EXIF_ORIENTATION, 1)
            if orientation in (2, 3, 4, 5, 6, 7, 8):  # exif_transpose copies even for 1
                image = ImageOps.exif_transpose(image)
            return image, orientation in (5, 6, 7, 8)
    except _PARSER_ERRORS as error:
        raise ImageError(f"{name}: corrupt or truncated image ({_reason(error)})") from None


def _quiet_pillow() -> None:
    """Inside ``catch_warnings``: bomb warnings become errors, damaged-metadata notes go.

    Pillow warns (UserWarning) about TIFF tags and EXIF data it skips; the
    image then either decodes or fails with an error of its own, and the
    warnings would only clutter the command line's one-line messages.
    """
    warnings.simplefilter("ignore", UserWarning)
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def _reason(error: BaseException) -> str:
    """The first line of an exception's message, for a one-line error."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _shrink(image: Image.Image, max_side: int | None) -> Image.Image:
    """Shrink by area averaging so the longer side is at most ``max_side``."""
    if max_side is None or max(image.size) <= max_side:
        return image
    if image.mode not in ("L", "LA", "RGB", "RGBA", "F", "I"):
        # Modes the resampler cannot take: bilevel, palette, CMYK, 16-bit and the rest.
        image = _to_resizable(image)

    scale = max_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # LA and RGBA are resized with premultiplied alpha, so hidden colours stay hidden.
    return image.resize(size, Image.Resampling.BOX, reducing_gap=2.0)


def _to_resizable(image: Image.Image) -> Image.Image:
    if image.mode in _WIDE_MODES:
        return image.convert("F")
    if image.mode == "1":
        return image.convert("L")
    return image.convert("RGBA" if _has_alpha(image) else "RGB")


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("PA", "RGBa", "La") or "transparency" in image.info


def _to_gray(image: Image.Image) -> Image.Image:
    """Reduce any mode to 8-bit grey, laying transparent pixels on a contrasting ground."""
    if image.mode in _WIDE_MODES:
        return _stretch_wide(image)
    if _has_alpha(image):
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        return _lay_on_ground(rgba.convert("L"), rgba.getchannel("A"))
    if image.mode in ("1", "L", "P", "RGB"):
        return image.convert("L")
    return image.convert("RGB").convert("L")


def _has_alpha(image: Image.Image) -> bool:
    return "A" in image.getbands() or _has_transparency(image)


def _lay_on_ground(gray: Image.Image, alpha: Image.Image) -> Image.Image:
    """Composite ``gray`` over a white or black ground, whichever the picture implies.

    Transparent pixels are background whatever colour they carry, so their
    colour must vanish; what remains is to choose the ground. Images whose
    anti-aliasing lives in the colours (palette GIFs, binary alpha) fade
    towards their intended ground at the rim of the opaque strokes, so the
    rim says which ground. Where the rim looks like the core (anti-aliasing
    in alpha, one pen colour), the ground contrasts with the pen. A fully
    opaque image comes back as it is.
    """
    lowest_alpha, _ = alpha.getextrema()
    if lowest_alpha == 255:
        return gray
    bbox = alpha.getbbox()  # the ground needs judging only where something shows
    if bbox is None:
        return Image.new("L", gray.size, 0)
    shown = np.asarray(alpha.crop(bbox)) >= 128  # (h, w)
    if not shown.any():
        return Image.new("L", gray.size, 0)
    levels = np.asarray(gray.crop(bbox))

    # core: shown pixels whose four neighbours show too; rim: the rest
    core = shown.copy()
    core[1:] &= shown[:-1]
    core[:-1] &= shown[1:]
    core[:, 1:] &= shown[:, :-1]
    core[:, :-1] &= shown[:, 1:]
    rim = shown & ~core
    core_level = _median_level(levels[core] if core.any() else levels[shown])
    rim_level = _median_level(levels[rim]) if rim.any() else core_level

    if abs(rim_level - core_level) >= RIM_CONTRAST:
        white_ground = rim_level > core_level
    else:
        white_ground = core_level < 128
    ground = Image.new("L", gray.size, 255 if white_ground else 0)
    return Image.composite(gray, ground, alpha)


def _median_level(values: np.ndarray) -> int:
    """Median of uint8 values, from their histogram (cheaper than numpy's sort)."""
    return int(np.searchsorted(np.cumsum(np.bincount(values, minlength=256)), values.size / 2))


def _stretch_wide(image: Image.Image) -> Image.Image:
    """Map 16-bit, 32-bit or float samples onto 0-255 from their own minimum and maximum."""
    values = np.asarray(image.convert("F") if image.mode != "F" else image, dtype=np.float32)
    values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return Image.new("L", image.size, 0)
    scaled = (values - low) * (255.0 / (high - low))
    return Image.fromarray(np.round(scaled).astype(np.uint8), "L")
