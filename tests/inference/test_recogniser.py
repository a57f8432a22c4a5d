"""The recogniser's one-pass reading: probabilities and the layer maps from the same pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lenetlab.inference import Recogniser
from lenetlab.models import LeNet5


@pytest.fixture
def recogniser() -> Recogniser:
    torch.manual_seed(0)
    return Recogniser(LeNet5("lenet5"), {"dataset": "mnist"})


def two_strokes() -> np.ndarray:
    """Two white bars on black, far apart: two digits to the segmenter."""
    image = np.zeros((60, 120), dtype=np.uint8)
    image[10:50, 20:26] = 255
    image[10:50, 80:100] = 255
    return image


def test_maps_come_with_the_same_probabilities(recogniser):
    plain = recogniser.read(two_strokes())
    with_maps = recogniser.read(two_strokes(), maps=("conv1", "conv2"))

    assert len(plain.digits) == len(with_maps.digits) == 2
    for a, b in zip(plain.digits, with_maps.digits):
        assert a.digit == b.digit
        np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-5)
        assert a.maps is None
        assert b.maps["conv1"].shape == (6, 28, 28) and b.maps["conv2"].shape == (16, 10, 10)


def test_each_digit_keeps_its_own_maps(recogniser):
    reading = recogniser.read(two_strokes(), maps=("conv1",))
    first, second = (digit.maps["conv1"] for digit in reading.digits)

    assert not np.array_equal(first, second)


def test_an_unknown_layer_is_refused_with_the_known_ones(recogniser):
    with pytest.raises(ValueError, match="conv9.*conv1"):
        recogniser.read(two_strokes(), maps=("conv9",))


def test_an_empty_image_reads_as_no_digits_with_or_without_maps(recogniser):
    reading = recogniser.read(np.zeros((40, 40), dtype=np.uint8), maps=("conv1",))

    assert reading.empty and reading.number is None
