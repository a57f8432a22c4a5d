"""The PNG writer: what it writes, Pillow reads back pixel for pixel."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from lenetlab.report.png import encode_png


@pytest.mark.parametrize(
    ("shape", "mode"), [((28, 28), "L"), ((9, 173, 3), "RGB"), ((5, 3, 4), "RGBA"), ((1, 1), "L")]
)
def test_pillow_reads_back_the_same_pixels(shape, mode):
    pixels = np.random.default_rng(1).integers(0, 256, size=shape, dtype=np.uint8)

    image = Image.open(io.BytesIO(encode_png(pixels)))
    image.load()  # checks every chunk's CRC and the compressed stream

    assert image.format == "PNG" and image.mode == mode
    np.testing.assert_array_equal(np.asarray(image), pixels)


def test_a_strided_view_is_written_as_its_values():
    pixels = np.arange(64, dtype=np.uint8).reshape(8, 8)[::2, 1::2]

    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(encode_png(pixels)))), pixels)


@pytest.mark.parametrize(
    ("pixels", "message"),
    [
        (np.zeros((4, 4), dtype=np.float32), "uint8"),
        (np.zeros((4, 4, 2), dtype=np.uint8), "pixels"),
        (np.zeros((0, 4), dtype=np.uint8), "pixels"),
        (np.zeros(4, dtype=np.uint8), "pixels"),
    ],
)
def test_refuses_what_it_cannot_write(pixels, message):
    with pytest.raises(ValueError, match=message):
        encode_png(pixels)
