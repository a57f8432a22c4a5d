"""load_image: every format and mode to grey, transparency and EXIF resolved, bad files refused."""

from __future__ import annotations

import contextlib
import io
import os
import struct
import threading
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from lenetlab.errors import ImageError
from lenetlab.imaging.captures import as_camera_stores
from lenetlab.imaging.loading import MAX_PIXELS, load_image


def encode(image: Image.Image, file_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, file_format, **options)
    return buffer.getvalue()


@pytest.fixture
def ramp() -> np.ndarray:
    """A 30x40 grey pattern with every level present and no symmetry."""
    rows, cols = np.mgrid[0:30, 0:40]
    return ((rows * 7 + cols * 3) % 256).astype(np.uint8)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.astype(float).ravel(), b.astype(float).ravel())[0, 1])


# ---------------------------------------------------------------- formats and modes


@pytest.mark.parametrize("file_format", ["PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF"])
def test_each_format_decodes_to_the_same_grey(ramp, file_format):
    options = {"quality": 95} if file_format in ("JPEG", "WEBP") else {}
    data = encode(Image.fromarray(ramp).convert("RGB"), file_format, **options)

    loaded = load_image(data)

    assert loaded.gray.mode == "L"
    assert loaded.size == (40, 30)
    assert loaded.format == file_format
    assert correlation(np.asarray(loaded.gray), ramp) > 0.97


@pytest.mark.parametrize("mode", ["L", "P", "RGB", "RGBA", "LA", "CMYK", "I", "F"])
def test_each_mode_decodes_to_the_same_grey(ramp, mode):
    data = encode(Image.fromarray(ramp).convert(mode), "TIFF")

    gray = np.asarray(load_image(data).gray)

    assert correlation(gray, ramp) > 0.99


def test_bilevel_mode_keeps_black_and_white():
    bits = np.zeros((20, 20), dtype=bool)
    bits[5:15, 8:12] = True
    gray = np.asarray(load_image(encode(Image.fromarray(bits), "PNG")).gray)
    assert np.array_equal(gray, bits * np.uint8(255))


def test_sixteen_bit_data_is_stretched_from_its_own_range():
    counts = np.zeros((10, 10), dtype=np.uint16)
    counts[2:8, 4:6] = 4095  # 12-bit data: a plain cast to 8 bits would leave it near black
    gray = np.asarray(load_image(encode(Image.fromarray(counts), "PNG")).gray)
    assert gray.max() == 255 and gray.min() == 0


def test_float_image_with_nan_loads():
    values = np.zeros((8, 8), dtype=np.float32)
    values[2:6, 2:6] = 3.5
    values[0, 0] = np.nan
    gray = np.asarray(load_image(encode(Image.fromarray(values, "F"), "TIFF")).gray)
    assert gray[3, 3] == 255 and gray[0, 0] == 0


def test_first_frame_of_an_animated_gif():
    first = Image.new("L", (16, 16), 0)
    first.paste(255, (4, 4, 12, 12))
    second = Image.new("L", (16, 16), 128)
    data = encode(first, "GIF", save_all=True, append_images=[second])
    gray = np.asarray(load_image(data).gray)
    assert gray[8, 8] == 255 and gray[0, 0] == 0


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_is_applied(orientation):
    upright = Image.new("L", (40, 20), 255)
    upright.paste(0, (0, 0, 10, 10))  # a dark mark in the top-left corner
    stored, exif = as_camera_stores(upright, orientation)
    data = encode(stored, "JPEG", quality=95, exif=exif)

    loaded = load_image(data)

    assert loaded.size == (40, 20)
    gray = np.asarray(loaded.gray)
    assert gray[:10, :10].mean() < 30 and gray[-10:, -10:].mean() > 220


def test_shrinks_to_max_side_and_reports_the_full_size():
    data = encode(Image.new("RGB", (1600, 1200), "white"), "JPEG")
    loaded = load_image(data, max_side=512)
    assert max(loaded.gray.size) == 512
    assert loaded.size == (1600, 1200)


# ---------------------------------------------------------------- transparency


def test_transparent_pixels_are_background_whatever_their_colour():
    size = 32
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(size, size, 4), dtype=np.uint8)  # junk colour
    pixels[..., 3] = 0
    pixels[8:24, 14:18, :3] = 0  # a black stroke ...
    pixels[8:24, 14:18, 3] = 255  # ... that alone is opaque

    gray = np.asarray(load_image(encode(Image.fromarray(pixels, "RGBA"), "PNG")).gray)

    assert np.all(gray[8:24, 14:18] == 0)
    stroke = np.zeros((size, size), dtype=bool)
    stroke[8:24, 14:18] = True
    assert np.all(gray[~stroke] == 255)


def test_light_strokes_on_a_transparent_canvas_land_on_black():
    pixels = np.zeros((20, 20, 4), dtype=np.uint8)
    pixels[..., :3] = 255  # transparent white everywhere: the trap
    pixels[5:15, 9:11, 3] = 255  # opaque white stroke
    gray = np.asarray(load_image(encode(Image.fromarray(pixels, "RGBA"), "PNG")).gray)
    assert gray[10, 10] == 255 and gray[0, 0] == 0


def test_palette_transparency_is_background():
    # Entry 0, the transparent ground, is black like the ink; entries fade to white at the rim.
    levels = np.zeros((24, 24), dtype=np.uint8)
    levels[4:20, 10:14] = 1  # black core
    levels[4:20, 9] = levels[4:20, 14] = 2  # light-grey rim, anti-aliased towards white
    image = Image.fromarray(levels, "P")
    image.putpalette([0, 0, 0, 0, 0, 0, 200, 200, 200])
    data = encode(image, "PNG", transparency=0)

    gray = np.asarray(load_image(data).gray)

    assert gray[0, 0] == 255 and gray[10, 11] == 0


# ---------------------------------------------------------------- refusals


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size but carries (almost) no pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def assert_one_line_naming(
    error: pytest.ExceptionInfo | ImageError, name: str, *words: str
) -> None:
    message = str(error.value if isinstance(error, pytest.ExceptionInfo) else error)
    assert "\n" not in message
    assert message.startswith(f"{name}: ")
    for word in words:
        assert word in message


def test_image_over_the_pixel_limit_is_refused_before_decoding():
    data = png_header_only(10_000, 5_000)  # 50 MP: under Pillow's own bomb limit, over ours
    with pytest.raises(ImageError) as error:
        load_image(data, name_for_errors="scan.png")
    assert_one_line_naming(error, "scan.png", "10000x5000", f"{MAX_PIXELS / 1e6:g} MP")


@pytest.mark.parametrize("side", [10_000, 20_000])  # Pillow warns at 89 MP, errs at 179 MP
def test_decompression_bombs_are_refused(side):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's warning must not escape either
        with pytest.raises(ImageError) as error:
            load_image(png_header_only(side, side), name_for_errors="bomb.png")
    assert_one_line_naming(error, "bomb.png", "decompression bomb")


def test_pixel_limit_is_a_parameter():
    data = encode(Image.new("L", (100, 100)), "PNG")
    with pytest.raises(ImageError, match="over the 0.005 MP limit"):
        load_image(data, max_pixels=5_000)


def test_file_over_the_byte_limit_is_refused(tmp_path):
    path = tmp_path / "big.bmp"
    path.write_bytes(encode(Image.new("L", (100, 100)), "BMP"))
    with pytest.raises(ImageError) as error:
        load_image(path, max_bytes=1_000)
    assert_one_line_naming(error, str(path), "MB limit")
    with pytest.raises(ImageError, match="MB limit"):
        load_image(path.read_bytes(), max_bytes=1_000)


@pytest.fixture
def fifo(tmp_path):
    """A named pipe nobody writes to; a reader stuck on it is let go after 10 seconds."""
    path = tmp_path / "pipe.png"
    os.mkfifo(path)
    release = threading.Timer(10, hang_up, args=(path,))
    release.start()
    yield path
    release.cancel()


def hang_up(path) -> None:
    """Open and close the pipe's writing end, so a blocked reader sees the end of the file."""
    with contextlib.suppress(OSError):  # no reader waiting: nothing to let go
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(fifo):
    with pytest.raises(ImageError) as error:
        load_image(fifo)
    assert_one_line_naming(error, str(fifo), "not a regular file")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero on this system")
def test_an_endless_device_is_refused_unread():
    with pytest.raises(ImageError) as error:
        load_image("/dev/zero")
    assert_one_line_naming(error, "/dev/zero", "not a regular file")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="no /proc on this system")
def test_a_file_longer_than_its_stated_size_is_still_refused():
    status = "/proc/self/status"  # a regular file that says it holds 0 bytes
    assert os.stat(status).st_size == 0
    with pytest.raises(ImageError) as error:
        load_image(status, max_bytes=100)
    assert_one_line_naming(error, status, "over the", "MB limit")


def test_bytes_that_are_no_image_are_refused():
    with pytest.raises(ImageError) as error:
        load_image(b"this is not an image at all", name_for_errors="notes.txt")
    assert_one_line_naming(error, "notes.txt", "cannot identify")


def test_formats_outside_the_list_are_refused():
    data = encode(Image.new("L", (10, 10)), "PPM")  # Pillow reads it, we do not offer it
    with pytest.raises(ImageError, match="cannot identify"):
        load_image(data)


@pytest.mark.parametrize("file_format", ["PNG", "JPEG", "GIF", "WEBP", "TIFF", "BMP"])
def test_truncated_files_are_refused(file_format):
    rng = np.random.default_rng(1)
    noise = Image.fromarray(rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8))
    data = encode(noise, file_format)
    with pytest.raises(ImageError) as error:
        load_image(data[: len(data) // 2], name_for_errors="cut." + file_format.lower())
    assert_one_line_naming(error, "cut." + file_format.lower())


def test_corrupt_pixel_data_is_refused():
    rng = np.random.default_rng(2)
    data = bytearray(encode(Image.fromarray(rng.integers(0, 256, (64, 64), np.uint8)), "PNG"))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # zeros across the compressed pixel stream
    with pytest.raises(ImageError) as error:
        load_image(bytes(data), name_for_errors="broken.png")
    assert_one_line_naming(error, "broken.png")


def test_empty_and_missing_files_are_refused(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ImageError) as error:
        load_image(empty)
    assert_one_line_naming(error, str(empty), "empty")

    missing = tmp_path / "missing.png"
    with pytest.raises(ImageError) as error:
        load_image(missing)
    assert_one_line_naming(error, str(missing), "cannot read")

    with pytest.raises(ImageError) as error:
        load_image(tmp_path)  # a folder
    assert_one_line_naming(error, str(tmp_path), "cannot read", "not a regular file")


@pytest.mark.parametrize("file_format", ["PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF"])
def test_damaged_files_load_or_raise_an_image_error(file_format):
    # Random damage: each file either still decodes or fails with the one-line error.
    rng = np.random.default_rng(5)
    noise = Image.fromarray(rng.integers(0, 256, size=(32, 48, 3), dtype=np.uint8))
    good = encode(noise, file_format)
    for trial in range(30):
        data = bytearray(good)
        if trial % 2:
            data = data[: int(rng.integers(1, len(data)))]
        else:
            for position in rng.integers(0, len(data), size=8):
                data[position] = int(rng.integers(0, 256))
        try:
            load_image(bytes(data), name_for_errors="damaged")
        except ImageError as error:
            assert_one_line_naming(error, "damaged")
