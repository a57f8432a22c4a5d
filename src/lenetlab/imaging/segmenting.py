"""Split an ink mask into digits, left to right.

A number written on paper is a row of digits, and a digit is one or more
strokes: a 5 whose flag was lifted from the body, a 4 drawn open, a pencil
line that broke. :func:`find_digits` labels the connected strokes
(8-connectivity), drops specks of dust and noise, merges strokes whose
horizontal extents overlap, since two digits of a number sit side by side
and the parts of one digit sit above one another, drops dots and dashes,
and joins short pieces to the digit they broke off from:

    segments = drop_small(find_digits(mask), mask.shape)
    for segment in segments:  # ordered left to right
        segment.box, segment.mask

Labelling works on runs of ink along each row rather than on pixels, in
numpy with no loop over pixels or runs. Digits that touch each other form
one stroke and stay one segment: a limitation for joined-up handwriting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Defaults for find_digits, explained in its docstring.
SPECK_FRACTION = 0.04
MERGE_OVERLAP = 0.3
MIN_HEIGHT_FRACTION = 0.25
FRAGMENT_HEIGHT = 0.5
FRAGMENT_GAP = 0.15
MIN_SIZE_FRACTION = 0.02


@dataclass(frozen=True)
class Segment:
    """One digit's place in the mask."""

    box: tuple[int, int, int, int]  # (left, top, right, bottom), right and bottom exclusive
    mask: np.ndarray  # (bottom - top, right - left) bool: the digit's stroke pixels


@dataclass(frozen=True)
class _Boxes:
    """Bounding boxes of the strokes, one entry per stroke label; right and bottom exclusive."""

    left: np.ndarray
    top: np.ndarray
    right: np.ndarray
    bottom: np.ndarray

    def of(self, group: np.ndarray) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) around a group of strokes."""
        return (
            int(self.left[group].min()),
            int(self.top[group].min()),
            int(self.right[group].max()),
            int(self.bottom[group].max()),
        )

    def height(self, group: np.ndarray) -> int:
        return int(self.bottom[group].max() - self.top[group].min())


@dataclass(frozen=True)
class _Runs:
    """Horizontal runs of ink: run i covers row[i], columns start[i] to end[i] - 1."""

    row: np.ndarray
    start: np.ndarray
    end: np.ndarray


def find_digits(
    mask: np.ndarray,
    *,
    speck_fraction: float = SPECK_FRACTION,
    merge_overlap: float = MERGE_OVERLAP,
    min_height_fraction: float = MIN_HEIGHT_FRACTION,
    fragment_height: float = FRAGMENT_HEIGHT,
    fragment_gap: float = FRAGMENT_GAP,
) -> list[Segment]:
    """Return the digits in a bool (H, W) stroke mask, ordered left to right.

    ``speck_fraction``: strokes with less area than this share of the
    largest stroke are dropped. ``merge_overlap``: two strokes whose
    horizontal overlap is at least this share of the narrower one's width
    belong to one digit. ``min_height_fraction``: digits shorter than this
    share of the tallest are dropped (dots, dashes). ``fragment_height`` and
    ``fragment_gap``: a digit shorter than this share of the median height,
    no further than ``fragment_gap`` median heights from a neighbour, is a
    broken-off piece of that neighbour and joins it.
    """
    runs = _find_runs(mask)
    if runs.row.size == 0:
        return []
    run_label = _label_runs(runs, mask.shape[1])

    # per stroke: area and bounding box
    strokes = int(run_label.max()) + 1
    area = np.bincount(run_label, weights=runs.end - runs.start, minlength=strokes)
    boxes = _Boxes(
        left=_reduce(np.minimum, run_label, runs.start, strokes, fill=mask.shape[1]),
        top=_reduce(np.minimum, run_label, runs.row, strokes, fill=mask.shape[0]),
        right=_reduce(np.maximum, run_label, runs.end, strokes, fill=0),
        bottom=_reduce(np.maximum, run_label, runs.row + 1, strokes, fill=0),
    )

    # specks out, then strokes that overlap horizontally into one digit
    kept = np.flatnonzero(area >= speck_fraction * area.max())
    kept = kept[np.argsort(boxes.left[kept], kind="stable")]
    groups = _merge_overlapping(kept, boxes, merge_overlap)

    # dots and dashes out, broken-off pieces back into their digit
    heights = [boxes.height(group) for group in groups]
    tallest = max(heights)
    groups = [g for g, h in zip(groups, heights) if h >= min_height_fraction * tallest]
    groups = _absorb_fragments(groups, boxes, fragment_height, fragment_gap)

    # one mask per digit, cut from the runs of its strokes
    digit_of_stroke = np.full(strokes, -1)
    for index, group in enumerate(groups):
        digit_of_stroke[group] = index
    run_digit = digit_of_stroke[run_label]
    segments = []
    for index, group in enumerate(groups):
        box = boxes.of(group)
        selected = run_digit == index
        digit_runs = _Runs(runs.row[selected], runs.start[selected], runs.end[selected])
        segments.append(Segment(box=box, mask=_paint(digit_runs, box)))
    return segments


def largest_component(mask: np.ndarray) -> tuple[tuple[int, int, int, int], int] | None:
    """Box (left, top, right, bottom) and area of the largest 8-connected region of a mask.

    None when the mask is empty. Used to find a sheet of paper in a photo.
    """
    runs = _find_runs(mask)
    if runs.row.size == 0:
        return None
    run_label = _label_runs(runs, mask.shape[1])
    area = np.bincount(run_label, weights=runs.end - runs.start)
    largest = run_label == int(np.argmax(area))
    box = (
        int(runs.start[largest].min()),
        int(runs.row[largest].min()),
        int(runs.end[largest].max()),
        int(runs.row[largest].max()) + 1,
    )
    return box, int(area.max())


def drop_small(
    segments: list[Segment], shape: tuple[int, int], min_size_fraction: float = MIN_SIZE_FRACTION
) -> list[Segment]:
    """Drop digits whose height and width are both under this share of the picture's longer side.

    A stray click on a canvas or a fleck on a page is not a digit. Kept apart
    from :func:`find_digits` because on a large page a small digit must
    first be found, then looked at closely, and only then judged by size.
    """
    smallest = min_size_fraction * max(shape)
    return [
        segment
        for segment in segments
        if max(segment.box[2] - segment.box[0], segment.box[3] - segment.box[1]) >= smallest
    ]


def _find_runs(mask: np.ndarray) -> _Runs:
    """Find every horizontal run of True pixels, in row-major order."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=bool)
    padded[:, 1:-1] = mask
    # (H, W + 1): True where a run starts and one past where it ends; along each
    # row starts and ends alternate, so the changes pair up in order
    changes = np.flatnonzero(padded[:, 1:] != padded[:, :-1])
    starts, ends = changes[0::2], changes[1::2]
    return _Runs(starts // (width + 1), starts % (width + 1), ends % (width + 1))


def _label_runs(runs: _Runs, width: int) -> np.ndarray:
    """Give every run the label of its connected stroke, numbered 0, 1, ... .

    Two runs on neighbouring rows touch (8-connectivity) when each starts no
    later than one column past the other's end. Runs are sorted by row and
    column, so the runs above that touch a given run form one contiguous
    slice, found by binary search on row-offset positions.
    """
    stride = width + 2
    start_key = runs.row * stride + runs.start
    end_key = runs.row * stride + runs.end
    above = (runs.row - 1) * stride
    first = np.searchsorted(end_key, above + runs.start, side="left")
    last = np.searchsorted(start_key, above + runs.end, side="right")
    touching = np.maximum(last - first, 0)

    # edges (upper run, lower run) between touching runs
    lower = np.repeat(np.arange(runs.row.size), touching)
    offsets = np.arange(lower.size) - np.repeat(np.cumsum(touching) - touching, touching)
    upper = np.repeat(first, touching) + offsets

    # hook the root of each edge's larger end onto the smaller root, then
    # flatten every tree to its root; a few rounds join even a long stroke
    parent = np.arange(runs.row.size)
    while True:
        upper_root, lower_root = parent[upper], parent[lower]
        if np.array_equal(upper_root, lower_root):
            break
        np.minimum.at(parent, upper_root, lower_root)
        np.minimum.at(parent, lower_root, upper_root)
        while True:
            grandparent = parent[parent]
            if np.array_equal(grandparent, parent):
                break
            parent = grandparent

    # a stroke's root is its first run, so numbering the roots in order
    # numbers the strokes by where they start
    is_root = parent == np.arange(parent.size)
    return (np.cumsum(is_root) - 1)[parent]


def _reduce(
    ufunc: np.ufunc, label: np.ndarray, values: np.ndarray, size: int, fill: int
) -> np.ndarray:
    """Apply ``ufunc`` to ``values`` grouped by ``label``, one result per label."""
    result = np.full(size, fill, dtype=np.int64)
    ufunc.at(result, label, values)
    return result


def _merge_overlapping(
    strokes: np.ndarray, boxes: _Boxes, merge_overlap: float
) -> list[np.ndarray]:
    """Group strokes, sorted by left edge, whose horizontal extents overlap enough."""
    groups: list[list[int]] = []
    group_left = group_right = 0
    for stroke in strokes:
        stroke_left, stroke_right = int(boxes.left[stroke]), int(boxes.right[stroke])
        if groups:
            overlap = min(group_right, stroke_right) - max(group_left, stroke_left)
            narrower = min(group_right - group_left, stroke_right - stroke_left)
            if overlap >= merge_overlap * narrower:
                groups[-1].append(stroke)
                group_right = max(group_right, stroke_right)
                continue
        groups.append([stroke])
        group_left, group_right = stroke_left, stroke_right
    return [np.array(group) for group in groups]


def _absorb_fragments(
    groups: list[np.ndarray], boxes: _Boxes, fragment_height: float, fragment_gap: float
) -> list[np.ndarray]:
    """Join each digit much shorter than the others to its nearer neighbour, if close.

    A stroke that broke off a digit (a pen lifted, a faint junction lost to
    the threshold) can sit beside its digit rather than under it; it is
    short, and near. The shortest such piece is joined first, then the
    boxes are measured again.
    """
    groups = list(groups)
    while len(groups) > 1:
        heights = np.array([boxes.height(group) for group in groups])
        typical = float(np.median(heights))
        pieces = [
            i for i in np.argsort(heights, kind="stable") if heights[i] < fragment_height * typical
        ]
        joins = [_nearer_neighbour(groups, boxes, int(i)) for i in pieces]
        joins = [(low, high) for low, high, gap in joins if gap <= fragment_gap * typical]
        if not joins:
            return groups
        low, high = joins[0]
        groups[low : high + 1] = [np.concatenate([groups[low], groups[high]])]
    return groups


def _nearer_neighbour(groups: list[np.ndarray], boxes: _Boxes, index: int) -> tuple[int, int, int]:
    """(left index, right index, gap) of a group and whichever neighbour is closer."""
    pairs = [(index - 1, index), (index, index + 1)]
    pairs = [(low, high) for low, high in pairs if low >= 0 and high < len(groups)]
    gaps = [_gap(boxes.of(groups[low]), boxes.of(groups[high])) for low, high in pairs]
    nearest = int(np.argmin(gaps))
    return pairs[nearest][0], pairs[nearest][1], gaps[nearest]


def _gap(left_box: tuple[int, int, int, int], right_box: tuple[int, int, int, int]) -> int:
    """Columns of paper between two boxes, the first to the left of the second."""
    return right_box[0] - left_box[2]


def _paint(runs: _Runs, box: tuple[int, int, int, int]) -> np.ndarray:
    """Draw runs into a bool mask the size of ``box``."""
    left, top, right, bottom = box
    width = right - left
    mask = np.zeros((bottom - top, width), dtype=bool)
    lengths = runs.end - runs.start
    first_pixel = (runs.row - top) * width + (runs.start - left)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    mask.ravel()[np.repeat(first_pixel, lengths) + offsets] = True
    return mask
