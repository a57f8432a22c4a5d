"""What each layer of a trained LeNet-5 computes, as arrays and as picture tiles.

The report's figures and the web page's live feature maps both come from here,
so the two always show the same thing in the same colours:

    maps = feature_maps(model, image28)  # image28: (28, 28) in [0, 1], white on black
    maps["conv1"].shape  # (6, 28, 28); dense layers are vectors: maps["fc1"].shape == (84,)
    png = layer_tile_png(maps["conv2"])  # 16 maps in one PNG, in the layer's colour scale

:func:`tile_layer` lays a layer out as one 2-D mosaic with NaN in the gaps and
:func:`colour_scale` picks its colour map and range; the report draws the same
mosaic with matplotlib (and a colour bar), the web page gets it as PNG bytes.
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from dataclasses import dataclass

import matplotlib
import matplotlib.colors
import numpy as np
import torch
from torch import nn

from lenetlab.data import get_dataset_info
from lenetlab.models.lenet import IMAGE_SIZE
from lenetlab.report.palette import ACTIVATION_CMAP, BACKGROUND, SIGNED_CMAP
from lenetlab.report.png import encode_png

MAX_TILE_COLUMNS = 8  # convolutional maps per mosaic row
DENSE_COLUMNS = 12  # units per mosaic row for conv3, fc1 and the logits


def to_network_input(images: np.ndarray | torch.Tensor, dataset: str = "mnist") -> torch.Tensor:
    """(28, 28) or (N, 28, 28) images as the normalised (N, 1, 28, 28) network input.

    uint8 images are read as 0-255 and float images as 0-1, white ink on black,
    the way :func:`lenetlab.imaging.preprocess` and the IDX files give them.
    """
    pixels = torch.as_tensor(np.asarray(images))
    if pixels.dim() == 2:
        pixels = pixels.unsqueeze(0)
    if pixels.dim() != 3 or tuple(pixels.shape[1:]) != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(
            f"expected images of shape (28, 28) or (N, 28, 28), got {tuple(pixels.shape)}"
        )
    if pixels.dtype == torch.uint8:
        pixels = pixels.to(torch.float32) / 255.0
    info = get_dataset_info(dataset)
    return ((pixels.to(torch.float32) - info.mean) / info.std).unsqueeze(1)  # N x 1 x 28 x 28


def blank_input_value(dataset: str = "mnist") -> float:
    """The normalised value of an ink-less pixel, used to blank out parts of a digit."""
    info = get_dataset_info(dataset)
    return -info.mean / info.std


@torch.no_grad()
def feature_maps(
    model: nn.Module, image28: np.ndarray | torch.Tensor, dataset: str = "mnist"
) -> OrderedDict[str, np.ndarray]:
    """Every layer's output for one 28x28 image, in order from conv1 to the logits.

    Convolutional layers give ``(channels, height, width)`` arrays, the dense
    layers (conv3, fc1, logits) vectors. The model is run in eval mode.
    """
    inputs = to_network_input(image28, dataset)
    if inputs.shape[0] != 1:
        raise ValueError(f"feature_maps takes one image, got {inputs.shape[0]}")

    was_training = model.training
    model.eval()
    try:
        layers = model.activations(inputs)
    finally:
        model.train(was_training)
    return OrderedDict((name, out[0].numpy().astype(np.float32)) for name, out in layers.items())


def conv_kernels(model: nn.Module) -> OrderedDict[str, np.ndarray]:
    """The convolution kernels: conv1 ``(6, 1, 5, 5)`` and conv2 ``(16, 6, 5, 5)``."""
    return OrderedDict(
        (name, getattr(model, name).weight.detach().cpu().numpy().astype(np.float32))
        for name in ("conv1", "conv2")
    )


@dataclass(frozen=True)
class ColourScale:
    """A colour map and the value range it spans."""

    cmap: str
    vmin: float
    vmax: float


def colour_scale(values: np.ndarray, signed: bool | None = None) -> ColourScale:
    """The scale a layer is drawn in: black-to-bright from 0 for non-negative values
    (ReLU), blue-white-red symmetric about 0 when values can be negative (tanh, kernels)."""
    finite = values[np.isfinite(values)]
    if signed is None:
        signed = finite.size > 0 and float(finite.min()) < 0
    if signed:
        extent = float(np.abs(finite).max()) if finite.size else 0.0
        extent = extent or 1.0  # an all-zero layer still needs a range
        return ColourScale(SIGNED_CMAP, -extent, extent)
    top = float(finite.max()) if finite.size else 0.0
    return ColourScale(ACTIVATION_CMAP, 0.0, top or 1.0)


def tile_layer(maps: np.ndarray, columns: int | None = None) -> np.ndarray:
    """One layer as a 2-D mosaic, NaN where there is nothing to show.

    ``(C, H, W)`` maps are placed in a grid of at most :data:`MAX_TILE_COLUMNS`
    columns with a one-pixel gap; a vector becomes a grid of one value per cell.
    """
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim == 1:
        columns = columns or min(len(maps), DENSE_COLUMNS)
        rows = math.ceil(len(maps) / columns)
        padded = np.full(rows * columns, np.nan, dtype=np.float32)
        padded[: len(maps)] = maps
        return padded.reshape(rows, columns)
    if maps.ndim != 3:
        raise ValueError(f"expected (C, H, W) maps or a vector, got shape {maps.shape}")

    count, height, width = maps.shape
    if columns is None:
        rows = math.ceil(count / MAX_TILE_COLUMNS)
        columns = math.ceil(count / rows)
    rows = math.ceil(count / columns)
    mosaic = np.full((rows * (height + 1) - 1, columns * (width + 1) - 1), np.nan, dtype=np.float32)
    for index in range(count):
        top, left = (index // columns) * (height + 1), (index % columns) * (width + 1)
        mosaic[top : top + height, left : left + width] = maps[index]
    return mosaic


@functools.cache
def colormap(name: str) -> matplotlib.colors.Colormap:
    """The named matplotlib colour map with the mosaic gaps (NaN) in the background colour.

    Cached: building it takes longer than colouring a layer, and the web page
    colours two layers per request. Treat the result as read-only.
    """
    return matplotlib.colormaps[name].with_extremes(bad=BACKGROUND)


@functools.cache
def colour_table(name: str) -> np.ndarray:
    """The colours of :func:`colormap` as a ``(N + 1, 3)`` uint8 table, the gap colour last.

    Indexing this table gives exactly the bytes ``colormap(name)(x, bytes=True)``
    gives (matplotlib maps a value x in [0, 1] to colour ``floor(x * N)``, 1.0 to
    the last), without the masked-array machinery that cost a quarter of a
    millisecond per tile on the web page. Treat the result as read-only.
    """
    cmap = colormap(name)
    colours = cmap(np.arange(cmap.N), bytes=True)[:, :3]
    gap = cmap(np.ma.masked_invalid([np.nan]), bytes=True)[:, :3]
    return np.concatenate([colours, gap])


def colourise(mosaic: np.ndarray, scale: ColourScale) -> np.ndarray:
    """A mosaic as ``(H, W, 3)`` uint8 RGB in ``scale``, gaps in the background colour."""
    table = colour_table(scale.cmap)
    levels = len(table) - 1

    normalised = np.clip((mosaic - scale.vmin) / (scale.vmax - scale.vmin), 0.0, 1.0)
    scaled = normalised * levels  # in the mosaic's precision, as matplotlib computes it
    scaled[scaled == levels] = levels - 1
    gaps = np.isnan(scaled)
    scaled[gaps] = 0
    index = scaled.astype(np.intp)
    index[gaps] = levels
    return table[index]


def layer_tile_png(
    maps: np.ndarray,
    scale: ColourScale | None = None,
    target_width: int = 256,
) -> bytes:
    """One layer's maps as a PNG tile about ``target_width`` pixels wide.

    Pixels are enlarged by a whole factor with nearest-neighbour sampling, so
    each activation stays a crisp square; the colour scale defaults to
    :func:`colour_scale` of the maps themselves.
    """
    mosaic = tile_layer(maps)
    scale = scale or colour_scale(mosaic)
    factor = max(1, target_width // mosaic.shape[1])
    rgb = colourise(mosaic, scale).repeat(factor, axis=0).repeat(factor, axis=1)
    return encode_png(rgb)
