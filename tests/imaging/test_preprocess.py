"""preprocess: every kind of capture gives back the clean digit; numbers split; blanks say so.

The oracle needs no model: preprocessing a capture of an MNIST digit must
give (nearly) the frame that preprocessing the digit itself gives, which for
MNIST digits is the digit itself.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from lenetlab.errors import ImageError
from lenetlab.imaging import (
    PreprocessSettings,
    preprocess,
    preprocess_digit,
    save_digits,
)
from lenetlab.imaging.captures import CAPTURES, capture_number
from tests.imaging.oracles import similarity

# (median, worst) similarity to the clean digit that each kind must reach.
# Marker strokes stay thicker than a pen's even after thinning, and tiny
# digits have a few pixels of detail to give, so their bars sit lower.
BARS = {kind: (0.95, 0.8) for kind in CAPTURES}
BARS["marker"] = (0.85, 0.65)
BARS["tiny"] = (0.93, 0.75)


def encode(image: Image.Image, file_format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, file_format, **options)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def clean_frames(digits) -> np.ndarray:
    return np.stack([preprocess(digit).images[0] for digit in digits])


def test_clean_digits_come_back_as_they_are(digits, clean_frames):
    correlations = [
        np.corrcoef(frame.ravel(), digit.ravel())[0, 1]
        for frame, digit in zip(clean_frames, digits)
    ]
    assert np.median(correlations) > 0.999


@pytest.mark.parametrize("kind", sorted(CAPTURES))
def test_each_capture_recovers_the_clean_digit(digits, clean_frames, kind):
    rng = np.random.default_rng(2024)
    scores = []
    for digit, clean in zip(digits, clean_frames):
        result = preprocess(CAPTURES[kind](digit, rng), name_for_errors=kind)
        assert len(result.digits) == 1, f"{kind}: found {len(result.digits)} digits"
        scores.append(similarity(result.digits[0].image, clean))

    median_bar, worst_bar = BARS[kind]
    assert np.median(scores) >= median_bar
    assert min(scores) >= worst_bar


@pytest.mark.parametrize("count", [2, 3, 5])
def test_a_number_splits_into_its_digits_left_to_right(digits, clean_frames, count):
    rng = np.random.default_rng(count)
    for first in range(0, len(digits) - count, count):
        chosen = list(range(first, first + count))
        result = preprocess(capture_number(digits[chosen], rng))

        assert len(result.digits) == count
        lefts = [digit.box[0] for digit in result.digits]
        assert lefts == sorted(lefts)
        for found, index in zip(result.digits, chosen):
            assert similarity(found.image, clean_frames[index]) > 0.8


def test_boxes_are_in_the_source_images_pixels():
    # A 2400x1800 photo is analysed at 512 pixels; the box must come back at full size.
    image = Image.new("L", (2400, 1800), 235)
    image.paste(30, (1000, 400, 1200, 1400))
    result = preprocess(encode(image, "JPEG", quality=90))
    assert result.size == (2400, 1800)
    left, top, right, bottom = result.digits[0].box
    assert abs(left - 1000) <= 8 and abs(right - 1200) <= 8
    assert abs(top - 400) <= 8 and abs(bottom - 1400) <= 8


@pytest.mark.parametrize("file_format", ["PNG", "JPEG"])
def test_a_small_digit_on_a_large_page_gets_a_closer_look(digits, clean_frames, file_format):
    # 40 pixels tall on a 2000-pixel page: 10 pixels once the page is shrunk to 512.
    digit = Image.fromarray(255 - digits[3]).resize((40, 40), Image.Resampling.BICUBIC)
    page = Image.new("L", (2000, 1600), 255)
    page.paste(digit, (1500, 300))
    result = preprocess(encode(page, file_format, quality=90))

    assert len(result.digits) == 1
    assert similarity(result.digits[0].image, clean_frames[3]) > 0.85
    left, top, right, bottom = result.digits[0].box
    assert 1500 <= left and right <= 1540 and 300 <= top and bottom <= 340


def test_a_stray_mark_on_a_large_page_is_not_a_digit():
    page = Image.new("L", (2000, 1600), 255)
    page.paste(0, (700, 900, 704, 904))
    assert preprocess(encode(page)).empty


# ---------------------------------------------------------------- nothing drawn


def blank_photo() -> bytes:
    rng = np.random.default_rng(3)
    light = np.linspace(0.7, 0.95, 400)[None, :] * np.ones((300, 1))
    paper = 255.0 * light + rng.normal(0.0, 5.0, size=(300, 400))
    pixels = np.clip(paper, 0, 255).astype(np.uint8)
    return encode(Image.fromarray(pixels).convert("RGB"), "JPEG", quality=75)


def transparent_junk() -> bytes:
    rng = np.random.default_rng(4)
    pixels = rng.integers(0, 256, size=(280, 280, 4), dtype=np.uint8)
    pixels[..., 3] = 0
    return encode(Image.fromarray(pixels, "RGBA"))


def stray_click() -> bytes:
    image = Image.new("L", (280, 280), 255)
    image.paste(0, (140, 140, 143, 143))
    return encode(image)


@pytest.mark.parametrize(
    "data",
    [
        encode(Image.new("L", (280, 280), 255)),
        encode(Image.new("RGB", (280, 280), (0, 0, 0))),
        transparent_junk(),
        blank_photo(),
        stray_click(),
    ],
    ids=["white", "black", "transparent", "blank-photo", "stray-click"],
)
def test_nothing_drawn_is_reported_not_raised(data):
    result = preprocess(data)
    assert result.empty
    assert result.digits == []
    assert result.images.shape == (0, 28, 28)


# ---------------------------------------------------------------- the API


def test_arrays_and_pillow_images_are_accepted(digits, clean_frames):
    digit = digits[0]
    for source in (
        digit,
        digit.astype(np.float32) / 255.0,
        np.repeat(digit[..., None], 3, axis=2),
        Image.fromarray(digit),
    ):
        assert np.allclose(preprocess(source).images[0], clean_frames[0], atol=1e-2)


def test_arrays_of_other_types_are_refused(digits):
    with pytest.raises(ValueError, match="uint16"):
        preprocess(digits[0].astype(np.uint16))
    with pytest.raises(ValueError, match="array"):
        preprocess(np.zeros((28, 28, 2), dtype=np.uint8))


def test_preprocess_digit_returns_one_frame(digits, clean_frames):
    assert np.array_equal(preprocess_digit(digits[1]), clean_frames[1])
    blank = preprocess_digit(np.zeros((28, 28), dtype=np.uint8))
    assert blank.shape == (28, 28) and not blank.any()


def test_preprocessing_is_deterministic(digits):
    data = CAPTURES["photo"](digits[2], np.random.default_rng(0))
    assert np.array_equal(preprocess(data).images, preprocess(data).images)


def test_outputs_are_float32_frames_in_the_unit_range(digits):
    result = preprocess(capture_number(digits[:3], np.random.default_rng(0)))
    assert result.images.dtype == np.float32
    assert result.images.shape == (3, 28, 28)
    assert result.images.min() >= 0.0 and result.images.max() <= 1.0
    assert result.dark_ink is True


def test_save_digits_writes_what_the_network_sees(digits, tmp_path):
    result = preprocess(capture_number(digits[:2], np.random.default_rng(0)))
    paths = save_digits(result, tmp_path / "shown", stem="number")
    assert [path.name for path in paths] == ["number-0.png", "number-1.png"]
    for path, digit in zip(paths, result.digits):
        saved = np.asarray(Image.open(path), dtype=np.float32) / 255.0
        assert saved.shape == (28, 28)
        assert np.abs(saved - digit.image).max() <= 0.5 / 255 + 1e-6


def test_save_digits_never_replaces_a_file_that_is_there(digits, tmp_path):
    result = preprocess(capture_number(digits[:2], np.random.default_rng(0)))
    theirs = tmp_path / "number-0.png"
    theirs.write_bytes(b"the user's own picture")

    paths = save_digits(result, tmp_path, stem="number")

    assert theirs.read_bytes() == b"the user's own picture"
    assert [path.name for path in paths] == ["number-0-2.png", "number-1.png"]
    saved = np.asarray(Image.open(paths[0]), dtype=np.float32) / 255.0
    assert np.abs(saved - result.digits[0].image).max() <= 0.5 / 255 + 1e-6


def test_save_digits_takes_the_next_free_name_each_time(digits, tmp_path):
    result = preprocess(digits[0])
    names = [save_digits(result, tmp_path, stem="seen")[0].name for _ in range(3)]
    assert names == ["seen-0.png", "seen-0-2.png", "seen-0-3.png"]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(names)  # no leftovers


def test_settings_change_the_frame(digits):
    large = preprocess(digits[0], settings=PreprocessSettings(box_size=24, frame_size=32))
    assert large.digits[0].image.shape == (32, 32)


def test_unreadable_input_raises_an_image_error_naming_it():
    with pytest.raises(ImageError, match=r"^upload\.png: cannot identify"):
        preprocess(b"\x89PNG but not really", name_for_errors="upload.png")
