"""find_ink: polarity, uneven light, grain, and pictures with nothing drawn."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lenetlab.imaging.ink import find_ink

SIZE = 200


def find(levels: np.ndarray):
    gray = Image.fromarray(np.clip(np.round(levels), 0, 255).astype(np.uint8), "L")
    return find_ink(gray, min_contrast=0.12, mask_level=0.3)


@pytest.fixture
def stroke() -> np.ndarray:
    """A bool (SIZE, SIZE) mask: a thick vertical bar and a bar across, like a 7's arms."""
    mask = np.zeros((SIZE, SIZE), dtype=bool)
    mask[50:150, 110:122] = True
    mask[50:62, 60:122] = True
    return mask


@pytest.mark.parametrize("dark_ink", [True, False])
def test_either_polarity_gives_bright_ink_on_zero(stroke, dark_ink):
    levels = np.where(stroke, 20.0, 230.0) if dark_ink else np.where(stroke, 230.0, 20.0)

    ink = find(levels)

    assert ink.dark_ink is dark_ink
    assert ink.level.dtype == np.float32
    assert np.all(ink.level[stroke] == 1.0)
    assert np.all(ink.level[~stroke] == 0.0)
    assert np.array_equal(ink.mask, stroke)


def test_polarity_holds_when_the_strokes_cover_most_of_the_picture():
    # A marker digit cropped tight: ink is the majority, the border is still paper.
    levels = np.full((60, 60), 240.0)
    levels[4:56, 4:56] = 15.0
    levels[20:40, 20:40] = 240.0
    ink = find(levels)
    assert ink.dark_ink
    assert ink.level[10, 10] == 1.0 and ink.level[30, 30] == 0.0


def test_uneven_light_and_grain_are_flattened(stroke):
    rng = np.random.default_rng(0)
    light = np.linspace(0.55, 1.0, SIZE)[None, :] * np.linspace(0.8, 1.0, SIZE)[:, None]
    paper = 235.0 * light + rng.normal(0.0, 4.0, size=(SIZE, SIZE))
    levels = np.where(stroke, paper * 0.25, paper)  # ink absorbs 75% of whatever light falls

    ink = find(levels)

    assert ink.dark_ink
    assert ink.noise > 0.01
    assert (ink.level[~stroke] > 0.3).mean() < 0.002  # paper, even the shaded side, is gone
    core = np.zeros_like(stroke)
    core[53:147, 113:119] = True  # inside the bar, away from the blurred edges
    assert ink.level[core].mean() > 0.8


def test_faint_pencil_keeps_its_grey_levels(stroke):
    levels = np.full((SIZE, SIZE), 220.0)
    levels[stroke] = 160.0  # contrast 60 of 255
    levels[50:150, 116:122] = 120.0  # half the bar pressed harder
    ink = find(levels)
    assert ink.level[100, 118] == 1.0
    assert 0.5 < ink.level[100, 112] < 0.7  # lighter stroke keeps a proportional grey


@pytest.mark.parametrize(
    "picture",
    [
        np.full((SIZE, SIZE), 255.0),
        np.full((SIZE, SIZE), 0.0),
        np.full((SIZE, SIZE), 128.0),
    ],
    ids=["white", "black", "grey"],
)
def test_a_uniform_picture_has_no_ink(picture):
    assert find(picture) is None


def test_blank_paper_with_grain_and_a_gradient_has_no_ink():
    rng = np.random.default_rng(1)
    light = np.linspace(0.7, 1.0, SIZE)[None, :]
    paper = 230.0 * light + rng.normal(0.0, 5.0, size=(SIZE, SIZE))
    assert find(paper) is None


def test_strokes_below_the_contrast_floor_do_not_count(stroke):
    levels = np.where(stroke, 215.0, 235.0)  # 20 grey levels: 8% of full scale
    assert find(levels) is None


@pytest.mark.parametrize("lighting", ["flat", "uneven", "grainy"])
def test_inverting_the_picture_changes_only_the_polarity(stroke, lighting):
    # oracle: dark ink on light paper is the same ink as light ink on dark paper
    rng = np.random.default_rng(1)
    paper = np.full((SIZE, SIZE), 230.0)
    if lighting != "flat":
        paper *= np.linspace(0.6, 1.0, SIZE)[None, :]
    if lighting == "grainy":
        paper += rng.normal(0.0, 4.0, size=(SIZE, SIZE))
    levels = np.where(stroke, paper * 0.3, paper)

    dark, light = find(levels), find(255.0 - np.clip(np.round(levels), 0, 255))

    assert dark.dark_ink and not light.dark_ink
    assert np.array_equal(dark.level_bytes, light.level_bytes)
    assert np.array_equal(dark.mask, light.mask)
    assert dark.level.dtype == np.float32
    assert np.allclose(dark.level, dark.level_bytes / 255.0, rtol=0, atol=1e-7)
