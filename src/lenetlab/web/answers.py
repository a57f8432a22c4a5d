"""What the JSON API answers: a :class:`~lenetlab.inference.Reading` as plain data.

Pictures travel as PNG data URIs, so a page can put them straight into an
``<img>`` and a script can decode them with any PNG reader:

    reading = recogniser.read(png_bytes, maps=FEATURE_LAYERS)
    answer = prediction_answer(reading)
    answer["number"], answer["digits"][0]["input"]  # "7", "data:image/png;base64,..."
    answer["feature_maps"]["conv1"]["image"]  # the 6 conv1 maps in one PNG tile

Feature maps come from :mod:`lenetlab.report.features`, the code the report's
figures use, so the page and the report show the same maps in the same colours.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from lenetlab.inference import DigitReading, Reading
from lenetlab.report.features import colour_scale, layer_tile_png, tile_layer
from lenetlab.report.png import encode_png

# The layers whose maps the page shows: the two convolutions.
FEATURE_LAYERS = ("conv1", "conv2")

NOTHING_DRAWN = "nothing drawn"


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def grey_png(image: np.ndarray) -> bytes:
    """A grey image, float in [0, 1] or uint8, as the bytes of an 8-bit PNG."""
    if image.dtype != np.uint8:
        image = np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
    return encode_png(image)


def layer_maps(digit: DigitReading) -> dict[str, dict[str, Any]]:
    """The maps of :data:`FEATURE_LAYERS` for one digit read with them, each as one PNG tile.

    Each layer comes with its shape and its largest value, which the tile's
    brightest colour stands for (the scale starts at 0 for ReLU layers).
    Tiles have one pixel per activation; the page enlarges them, pixelated,
    which keeps them small and quick to encode.
    """
    if digit.maps is None or not set(FEATURE_LAYERS) <= set(digit.maps):
        raise ValueError(f"the digit was read without the maps of {FEATURE_LAYERS}")
    maps = {name: digit.maps[name] for name in FEATURE_LAYERS}
    layers = {}
    for name in FEATURE_LAYERS:
        channels, height, width = maps[name].shape
        scale = colour_scale(maps[name])
        natural_width = tile_layer(maps[name]).shape[1]
        layers[name] = {
            "image": png_data_uri(layer_tile_png(maps[name], scale, target_width=natural_width)),
            "channels": channels,
            "size": [height, width],
            "min": round(scale.vmin, 4),
            "max": round(scale.vmax, 4),
        }
    return layers


def prediction_answer(reading: Reading) -> dict[str, Any]:
    """The body of ``POST /api/predict`` for one reading.

    Every digit carries the 28x28 image the network saw (``input``) and, when
    it was read with the maps of :data:`FEATURE_LAYERS`, its feature maps
    (``None`` otherwise); the top-level ``input`` and
    ``feature_maps`` repeat those of the first digit, for callers that
    expect one digit.
    """
    answer = reading.to_dict()
    for entry, digit in zip(answer["digits"], reading.digits):
        entry["input"] = png_data_uri(grey_png(digit.image))
        entry["feature_maps"] = layer_maps(digit) if digit.maps is not None else None

    first = answer["digits"][0] if answer["digits"] else None
    answer["message"] = NOTHING_DRAWN if reading.empty else None
    answer["input"] = first["input"] if first else None
    answer["feature_maps"] = first["feature_maps"] if first else None
    return answer
