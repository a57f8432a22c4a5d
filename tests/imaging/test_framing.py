"""frame_digit and thin_strokes: MNIST's own framing, reproduced on MNIST's own digits."""

from __future__ import annotations

import numpy as np
import pytest

from lenetlab.imaging.framing import frame_digit
from lenetlab.imaging.strokes import MNIST_STROKE, grow, stroke_width, thin_strokes


def centre_of_mass(frame: np.ndarray) -> tuple[float, float]:
    mass = frame.sum()
    rows, cols = np.indices(frame.shape)
    return float((rows * frame).sum() / mass), float((cols * frame).sum() / mass)


def test_mnist_digits_frame_to_themselves(mnist_test):
    # The oracle: MNIST is already framed, so framing it again must change (almost) nothing.
    images, _ = mnist_test
    sample = images[:1000].astype(np.float32) / 255.0
    correlations = np.array(
        [np.corrcoef(frame_digit(digit).ravel(), digit.ravel())[0, 1] for digit in sample]
    )
    assert np.median(correlations) > 0.999
    assert np.mean(correlations > 0.95) > 0.95  # the rest moved by a pixel


def test_the_frame_has_mnist_geometry():
    ink = np.zeros((300, 90), dtype=np.float32)
    ink[20:280, 30:60] = 1.0  # a tall bar, off-centre in its crop

    frame = frame_digit(ink)

    assert frame.shape == (28, 28) and frame.dtype == np.float32
    assert 0.0 <= frame.min() and frame.max() <= 1.0
    rows = np.flatnonzero((frame >= 0.5).any(axis=1))
    assert rows[-1] - rows[0] + 1 == 20  # the longer side fills the 20-pixel box
    row, col = centre_of_mass(frame)
    assert abs(row - 14.0) <= 0.5 and abs(col - 14.0) <= 0.5


@pytest.mark.parametrize("side", [3, 8, 60, 900])
def test_any_size_of_digit_is_scaled_to_the_box(side):
    ink = np.zeros((side + 10, side + 10), dtype=np.float32)
    ink[5 : 5 + side, 5 : 5 + side] = 1.0
    frame = frame_digit(ink)
    cols = np.flatnonzero((frame >= 0.5).any(axis=0))
    assert 19 <= cols[-1] - cols[0] + 1 <= 21


def test_a_lopsided_digit_is_shifted_only_as_far_as_the_frame_allows():
    # A T with a heavy bar: centring its mass at row 14 would push the stem's foot out.
    ink = np.zeros((100, 100), dtype=np.float32)
    ink[0:30, 0:100] = 1.0
    ink[30:100, 45:55] = 1.0
    frame = frame_digit(ink)
    rows = np.flatnonzero((frame >= 0.5).any(axis=1))
    assert rows[-1] - rows[0] + 1 == 20  # nothing of the 20-pixel box was cut off
    assert centre_of_mass(frame)[0] > 10.0  # and it was moved towards the centre


def test_no_ink_gives_an_empty_frame():
    assert not frame_digit(np.zeros((40, 40), dtype=np.float32)).any()


def test_stroke_width_of_mnist_matches_the_documented_median(mnist_test):
    images, _ = mnist_test
    widths = [stroke_width(digit / 255.0) for digit in images]  # all 10,000
    assert abs(float(np.median(widths)) - MNIST_STROKE) < 0.15


def test_thin_strokes_erodes_by_the_radius():
    ink = np.zeros((50, 50), dtype=np.float32)
    ink[10:40, 20:32] = 1.0  # 12 wide
    thinned = thin_strokes(ink, radius=3)
    cols = np.flatnonzero(thinned.any(axis=0))
    rows = np.flatnonzero(thinned.any(axis=1))
    assert cols[-1] - cols[0] + 1 == 6
    assert rows[-1] - rows[0] + 1 == 24
    assert thinned.max() == 1.0


def test_grow_dilates_a_mask_by_the_radius():
    mask = np.zeros((20, 20), dtype=bool)
    mask[10, 10] = True
    grown = grow(mask, radius=2)
    assert grown.sum() == 25 and grown[8:13, 8:13].all()


@pytest.mark.parametrize("radius", [0, 1, 2, 5])
def test_grow_and_thin_strokes_take_the_extreme_of_each_square(radius):
    # oracle: the maximum (grow) or minimum (thin) over the square around each pixel
    rng = np.random.default_rng(radius)
    ink = rng.random((23, 31)).astype(np.float32)
    mask = ink > 0.9
    height, width = ink.shape
    grown, thinned = grow(mask, radius), thin_strokes(ink, radius)
    for row in range(height):
        for col in range(width):
            square = (
                slice(max(row - radius, 0), row + radius + 1),
                slice(max(col - radius, 0), col + radius + 1),
            )
            assert grown[row, col] == mask[square].any()
            assert thinned[row, col] == ink[square].min()
