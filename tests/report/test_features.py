"""Feature maps, kernels and tiles: the code the report and the web page share."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from lenetlab.models import LeNet5
from lenetlab.report import features
from lenetlab.report.palette import ACTIVATION_CMAP, BACKGROUND, SIGNED_CMAP


@pytest.fixture
def model() -> LeNet5:
    torch.manual_seed(0)
    return LeNet5("lenet5").eval()


@pytest.fixture
def digit() -> np.ndarray:
    """A plain vertical stroke, uint8 white on black, like an MNIST 1."""
    image = np.zeros((28, 28), dtype=np.uint8)
    image[4:24, 12:16] = 255
    return image


def test_feature_maps_has_every_layer_with_its_shape(model, digit):
    maps = features.feature_maps(model, digit)

    assert list(maps) == ["conv1", "pool1", "conv2", "pool2", "conv3", "fc1", "logits"]
    shapes = {name: value.shape for name, value in maps.items()}
    assert shapes == {
        "conv1": (6, 28, 28),
        "pool1": (6, 14, 14),
        "conv2": (16, 10, 10),
        "pool2": (16, 5, 5),
        "conv3": (120,),
        "fc1": (84,),
        "logits": (10,),
    }
    assert all(value.dtype == np.float32 for value in maps.values())


def test_feature_maps_logits_equal_the_forward_pass(model, digit):
    maps = features.feature_maps(model, digit)
    with torch.no_grad():
        logits = model(features.to_network_input(digit))[0].numpy()

    np.testing.assert_allclose(maps["logits"], logits, rtol=1e-5, atol=1e-5)


def test_uint8_and_unit_float_images_are_the_same_input(model, digit):
    as_uint8 = features.feature_maps(model, digit)
    as_float = features.feature_maps(model, digit.astype(np.float32) / 255.0)

    np.testing.assert_allclose(as_uint8["fc1"], as_float["fc1"], rtol=1e-6)


def test_feature_maps_leaves_a_training_model_in_training_mode(model, digit):
    model.train()
    first = features.feature_maps(model, digit)["logits"]
    second = features.feature_maps(model, digit)["logits"]

    assert model.training
    np.testing.assert_array_equal(first, second)  # dropout was off while measuring


def test_feature_maps_refuses_anything_but_one_28x28_image(model):
    with pytest.raises(ValueError, match=r"\(28, 28\) or \(N, 28, 28\)"):
        features.feature_maps(model, np.zeros((32, 32)))
    with pytest.raises(ValueError, match="one image, got 2"):
        features.feature_maps(model, np.zeros((2, 28, 28)))


def test_conv_kernels_are_copies_of_the_weights(model):
    kernels = features.conv_kernels(model)

    assert kernels["conv1"].shape == (6, 1, 5, 5)
    assert kernels["conv2"].shape == (16, 6, 5, 5)
    np.testing.assert_array_equal(kernels["conv1"], model.conv1.weight.detach().numpy())


def test_tile_layer_lays_maps_out_with_one_pixel_gaps():
    maps = np.arange(6 * 2 * 3, dtype=np.float32).reshape(6, 2, 3)

    mosaic = features.tile_layer(maps, columns=3)  # 2 rows of 3 maps

    assert mosaic.shape == (2 * 2 + 1, 3 * 3 + 2)
    np.testing.assert_array_equal(mosaic[0:2, 4:7], maps[1])
    np.testing.assert_array_equal(mosaic[3:5, 8:11], maps[5])
    assert np.isnan(mosaic[2]).all() and np.isnan(mosaic[:, 3]).all()


def test_tile_layer_puts_a_vector_in_rows_of_twelve():
    mosaic = features.tile_layer(np.arange(84, dtype=np.float32))

    assert mosaic.shape == (7, 12)
    assert mosaic[6, 11] == 83
    assert features.tile_layer(np.ones(10)).shape == (1, 10)
    padded = features.tile_layer(np.ones(120 + 5))
    assert padded.shape == (11, 12) and np.isnan(padded).sum() == 7


def test_colour_scale_is_sequential_from_zero_or_symmetric():
    relu = features.colour_scale(np.array([0.0, 2.0, 5.0]))
    signed = features.colour_scale(np.array([-1.0, 3.0, np.nan]))
    silent = features.colour_scale(np.zeros(4))

    assert relu == features.ColourScale(ACTIVATION_CMAP, 0.0, 5.0)
    assert signed == features.ColourScale(SIGNED_CMAP, -3.0, 3.0)
    assert silent.vmax > silent.vmin  # an all-zero layer still has a usable range


def test_layer_tile_png_is_a_crisp_enlarged_mosaic(model, digit):
    maps = features.feature_maps(model, digit)["conv2"]  # 16 x 10 x 10

    png = features.layer_tile_png(maps, target_width=256)
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))

    mosaic = features.tile_layer(maps)  # 2 rows of 8
    factor = 256 // mosaic.shape[1]
    assert image.shape == (mosaic.shape[0] * factor, mosaic.shape[1] * factor, 3)

    # the gaps are the background colour, and the tile is that of the colourised mosaic
    background = tuple(int(BACKGROUND[i : i + 2], 16) for i in (1, 3, 5))
    assert tuple(image[10 * factor, 0]) == background
    expected = features.colourise(mosaic, features.colour_scale(mosaic))
    np.testing.assert_array_equal(image[::factor, ::factor], expected)


def test_layer_tile_png_is_the_same_bytes_for_the_same_maps(model, digit):
    maps = features.feature_maps(model, digit)

    for name in ("conv1", "pool2", "fc1", "logits"):
        assert features.layer_tile_png(maps[name]) == features.layer_tile_png(maps[name].copy())


@pytest.mark.parametrize("cmap_name", [ACTIVATION_CMAP, SIGNED_CMAP])
def test_colourise_gives_the_bytes_matplotlib_gives(cmap_name):
    rng = np.random.default_rng(0)
    mosaic = rng.uniform(-1.5, 1.5, size=(40, 50)).astype(np.float32)
    mosaic[0, :4] = [np.nan, -1.0, 1.0, 0.0]  # a gap and both ends of the scale
    scale = features.ColourScale(cmap_name, -1.0, 1.0)

    normalised = np.clip((mosaic - scale.vmin) / (scale.vmax - scale.vmin), 0.0, 1.0)
    cmap = features.colormap(cmap_name)
    expected = cmap(np.ma.masked_invalid(normalised), bytes=True)[..., :3]

    np.testing.assert_array_equal(features.colourise(mosaic, scale), expected)
