"""find_digits: strokes labelled, specks and dots dropped, pieces joined, left to right."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from lenetlab.imaging.segmenting import find_digits, largest_component


def canvas(height: int = 100, width: int = 300) -> np.ndarray:
    return np.zeros((height, width), dtype=bool)


def test_an_empty_mask_has_no_digits():
    assert find_digits(canvas()) == []


def test_digits_come_left_to_right_with_their_boxes_and_masks():
    mask = canvas()
    mask[20:80, 200:215] = True  # drawn first, right
    mask[20:80, 40:80] = True  # left
    mask[30:70, 120:150] = True  # middle

    segments = find_digits(mask)

    assert [segment.box for segment in segments] == [
        (40, 20, 80, 80),
        (120, 30, 150, 70),
        (200, 20, 215, 80),
    ]
    for segment in segments:
        left, top, right, bottom = segment.box
        assert np.array_equal(segment.mask, mask[top:bottom, left:right])


def test_diagonal_neighbours_are_one_stroke():
    mask = canvas(60, 60)
    for step in range(50):
        mask[5 + step, 5 + step] = True  # a one-pixel diagonal line
    segments = find_digits(mask)
    assert len(segments) == 1
    assert segments[0].box == (5, 5, 55, 55)


def test_a_ring_with_a_hole_is_one_stroke():
    mask = canvas(60, 60)
    mask[10:50, 10:50] = True
    mask[20:40, 20:40] = False
    assert len(find_digits(mask)) == 1


def test_strokes_above_one_another_are_one_digit():
    # A 5 written in two strokes: the flag on top, the body below, overlapping in x.
    mask = canvas()
    mask[20:26, 60:100] = True  # flag
    mask[30:80, 55:95] = True  # body, not touching the flag
    segments = find_digits(mask)
    assert len(segments) == 1
    assert segments[0].box == (55, 20, 100, 80)
    assert segments[0].mask.sum() == mask.sum()


def test_a_small_horizontal_overlap_does_not_join_two_digits():
    # A 2 whose base runs on under the next digit: 6 of that digit's 40 columns.
    mask = canvas()
    mask[20:80, 40:80] = True
    mask[74:80, 80:90] = True  # the base's tail
    mask[20:66, 84:124] = True  # the next digit, clear of the tail
    segments = find_digits(mask)
    assert [segment.box for segment in segments] == [(40, 20, 90, 80), (84, 20, 124, 66)]


def test_specks_and_dots_are_dropped():
    mask = canvas()
    mask[20:80, 40:80] = True  # a digit
    mask[5, 150] = mask[90, 10] = True  # specks of dust
    mask[75:80, 200:205] = True  # a full stop, larger than a speck but short
    segments = find_digits(mask)
    assert [segment.box for segment in segments] == [(40, 20, 80, 80)]


def test_a_broken_off_piece_beside_its_digit_joins_it():
    mask = canvas()
    mask[20:80, 40:60] = True  # a 1
    mask[20:80, 120:150] = True  # a tall digit
    mask[60:80, 152:160] = True  # the piece its pen lost, two columns away
    segments = find_digits(mask)
    assert [segment.box for segment in segments] == [(40, 20, 60, 80), (120, 20, 160, 80)]


def test_a_short_digit_far_from_others_stays_a_digit():
    mask = canvas()
    mask[20:80, 40:80] = True
    mask[50:80, 150:170] = True  # half the height, but a digit-width away
    assert len(find_digits(mask)) == 2


def flood_fill_largest(mask: np.ndarray) -> tuple[tuple[int, int, int, int], int]:
    """Oracle for largest_component: a breadth-first flood fill over 8 neighbours."""
    height, width = mask.shape
    seen = np.zeros_like(mask)
    best = ((0, 0, 0, 0), 0)
    for row, col in zip(*np.nonzero(mask)):
        if seen[row, col]:
            continue
        seen[row, col] = True
        queue, pixels = deque([(row, col)]), []
        while queue:
            r, c = queue.popleft()
            pixels.append((r, c))
            for nr in range(max(r - 1, 0), min(r + 2, height)):
                for nc in range(max(c - 1, 0), min(c + 2, width)):
                    if mask[nr, nc] and not seen[nr, nc]:
                        seen[nr, nc] = True
                        queue.append((nr, nc))
        if len(pixels) > best[1]:
            rows, cols = np.array(pixels).T
            box = (int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1)
            best = (box, len(pixels))
    return best


@pytest.mark.parametrize("density", [0.3, 0.45, 0.6])
def test_strokes_are_the_connected_regions_a_flood_fill_finds(density):
    rng = np.random.default_rng(int(density * 100))
    for _ in range(5):
        mask = rng.random((40, 60)) < density
        assert largest_component(mask) == flood_fill_largest(mask)


def test_a_long_winding_stroke_is_one_stroke():
    # a serpentine: every row joins the next at alternate ends, 60 rows deep
    mask = canvas(120, 50)
    mask[::2, 2:48] = True
    mask[1::4, 47] = True
    mask[3::4, 2] = True
    box, area = largest_component(mask)
    assert area == mask.sum() and box == (2, 0, 48, 120)
    assert len(find_digits(mask)) == 1
