"""find_sheet: a light page on a dark desk is found; digits and full pages are not sheets."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lenetlab.imaging.sheet import find_sheet


def gray(levels: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(levels, 0, 255).astype(np.uint8), "L")


def test_a_page_on_a_desk_is_found():
    rng = np.random.default_rng(0)
    levels = 50.0 + rng.normal(0.0, 6.0, size=(300, 400))  # the desk
    levels[40:260, 90:330] = 215.0  # the page
    levels[100:200, 180:200] = 30.0  # a stroke on it

    box = find_sheet(gray(levels), min_contrast=0.12)

    assert box is not None
    left, top, right, bottom = box
    assert 90 <= left <= 105 and 325 >= right >= 315
    assert 40 <= top <= 55 and 260 >= bottom >= 245


def test_mnist_digits_on_black_are_not_sheets(mnist_test):
    images, _ = mnist_test
    for digit in images[:200]:
        enlarged = Image.fromarray(digit).resize((280, 280), Image.Resampling.BICUBIC)
        assert find_sheet(enlarged, min_contrast=0.12) is None


@pytest.mark.parametrize(
    "levels",
    [
        np.full((200, 200), 230.0),  # blank page filling the frame
        np.full((200, 200), 20.0),  # blank dark canvas
        np.pad(np.full((160, 160), 230.0), 20, constant_values=230.0),  # page to the edge
    ],
    ids=["white", "black", "full-page"],
)
def test_uniform_pictures_have_no_sheet(levels):
    assert find_sheet(gray(levels), min_contrast=0.12) is None


def test_a_thick_white_stroke_on_black_is_not_a_sheet():
    levels = np.zeros((280, 280))
    levels[30:250, 30:250] = 255.0
    levels[80:200, 80:200] = 0.0  # a fat 0: solid-looking, but mostly hole
    assert find_sheet(gray(levels), min_contrast=0.12) is None
