"""Images for the web tests: MNIST test digits as the page's pad sends them.

The pad is 280x280, dark ink on white paper; a number is several digits
side by side on one sheet.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

PAD_SIZE = 280  # the page's canvas, in pixels


def encode(image: Image.Image, file_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=file_format)
    return buffer.getvalue()


def on_paper(digit28: np.ndarray, size: int = PAD_SIZE) -> Image.Image:
    """A 28x28 MNIST digit as drawn on the pad: enlarged, dark ink on white."""
    ink = Image.fromarray(255 - digit28, "L")
    return ink.resize((size, size), Image.Resampling.BILINEAR)


def pad_png(digit28: np.ndarray) -> bytes:
    return encode(on_paper(digit28).convert("RGB"))


def row_png(digits28: list[np.ndarray]) -> bytes:
    """Several digits side by side on one sheet, as a number is written."""
    cell = 120
    sheet = Image.new("L", (cell * len(digits28) + 40, cell + 40), 255)
    for position, digit in enumerate(digits28):
        sheet.paste(on_paper(digit, cell), (20 + position * cell, 20))
    return encode(sheet)


def decode_png(data_uri: str) -> Image.Image:
    """The picture in a ``data:image/png;base64,...`` URI."""
    prefix = "data:image/png;base64,"
    assert data_uri.startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(data_uri[len(prefix) :])))


def readable_digit(test_digits, recogniser, start: int) -> tuple[np.ndarray, int]:
    """The first test digit from ``start`` on that ``recogniser`` reads right from its pad PNG.

    The web tests' model trains for seconds and misreads a few percent of the
    digits; a test of the page's plumbing should fail on the page, not on one
    of those.
    """
    for index in range(start, start + 100):
        _, image, label = test_digits.pick(index)
        if recogniser.read(pad_png(image)).number == str(label):
            return image, label
    raise AssertionError(f"the test model misread test digits {start} to {start + 99}")
