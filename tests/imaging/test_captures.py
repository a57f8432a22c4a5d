"""The capture generators make the files they promise, the same ones for the same seed."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from lenetlab.imaging.captures import CAPTURES, capture_number
from lenetlab.imaging.loading import EXIF_ORIENTATION

# What each kind of capture must be: (format, mode as Pillow opens it).
EXPECTED = {
    "clean": ("PNG", "L"),
    "inverted": ("PNG", "L"),
    "transparent": ("PNG", "RGBA"),
    "palette": ("GIF", "P"),
    "photo": ("JPEG", "RGB"),
    "desk": ("JPEG", "RGB"),
    "marker": ("PNG", "L"),
    "tiny": ("PNG", "L"),
    "bilevel": ("PNG", "1"),
    "gray16": ("PNG", "I;16"),
    "cmyk": ("TIFF", "CMYK"),
    "gray-alpha": ("PNG", "LA"),
    "rotated": ("JPEG", "L"),
}


def test_every_kind_is_described():
    assert set(CAPTURES) == set(EXPECTED)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_capture_has_its_format_and_mode(digits, kind):
    data = CAPTURES[kind](digits[0], np.random.default_rng(0))
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.mode) == EXPECTED[kind]


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_capture_is_deterministic_given_the_generator(digits, kind):
    first = CAPTURES[kind](digits[1], np.random.default_rng(7))
    second = CAPTURES[kind](digits[1], np.random.default_rng(7))
    assert first == second


def test_transparent_capture_hides_junk_colour_under_zero_alpha(digits):
    data = CAPTURES["transparent"](digits[2], np.random.default_rng(0))
    pixels = np.asarray(Image.open(io.BytesIO(data)))
    hidden = pixels[..., 3] == 0
    assert hidden.mean() > 0.5
    assert pixels[hidden, :3].std() > 50  # the colour there is noise, not a flat ground


def test_palette_capture_has_a_transparent_entry(digits):
    image = Image.open(io.BytesIO(CAPTURES["palette"](digits[3], np.random.default_rng(0))))
    assert "transparency" in image.info


def test_rotated_capture_carries_an_orientation(digits):
    image = Image.open(io.BytesIO(CAPTURES["rotated"](digits[4], np.random.default_rng(0))))
    assert image.getexif().get(EXIF_ORIENTATION) in (3, 6, 8)


def test_photo_capture_is_photo_sized(digits):
    image = Image.open(io.BytesIO(CAPTURES["photo"](digits[5], np.random.default_rng(0))))
    assert 300 <= min(image.size) and max(image.size) <= 600


def test_desk_capture_has_a_dark_surround(digits):
    data = CAPTURES["desk"](digits[6], np.random.default_rng(0))
    grey = np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.float32)
    corners = [grey[:5, :5], grey[:5, -5:], grey[-5:, :5], grey[-5:, -5:]]
    assert min(corner.mean() for corner in corners) < 0.6 * np.percentile(grey, 95)


def test_number_capture_grows_with_its_digits(digits):
    rng = np.random.default_rng(0)
    two = Image.open(io.BytesIO(capture_number(digits[:2], rng)))
    five = Image.open(io.BytesIO(capture_number(digits[:5], rng)))
    assert two.format == "PNG"
    assert five.width / five.height > two.width / two.height
