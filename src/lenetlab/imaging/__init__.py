"""Image preprocessing: from what people hand us to the 28x28 digits LeNet-5 expects.

MNIST digits are white on black, fitted into a 20x20 box and centred by mass
in a 28x28 frame; a photo of a digit on paper is none of that. Everything
that takes an image (``predict``, the web page, the benchmarks) goes through
:func:`preprocess`, which returns the digits it found, left to right, each
framed the way MNIST framed its own:

    from lenetlab.imaging import preprocess, save_digits

    result = preprocess("photo.jpg")  # path, bytes, Pillow image or array
    if result.empty:
        print("nothing drawn")
    result.images  # (N, 28, 28) float32 in [0, 1], white on black
    save_digits(result, "shown/")  # what the network sees, as PNGs

Modules, in pipeline order: ``loading`` (any file to grey, safely),
``sheet`` (a page photographed on a desk), ``ink`` (polarity, background,
contrast), ``segmenting`` (digits left to right), ``strokes`` (thin marker
strokes), ``framing`` (the MNIST frame), ``preprocessing`` (the pipeline).
``captures`` synthesises realistic captures of MNIST digits for the tests
and the capture benchmark.
"""

from lenetlab.imaging.loading import FORMATS, MAX_BYTES, MAX_PIXELS, LoadedImage, load_image
from lenetlab.imaging.preprocessing import (
    DEFAULT_SETTINGS,
    DigitCrop,
    Preprocessed,
    PreprocessSettings,
    preprocess,
    preprocess_digit,
    save_digits,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "FORMATS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "DigitCrop",
    "LoadedImage",
    "PreprocessSettings",
    "Preprocessed",
    "load_image",
    "preprocess",
    "preprocess_digit",
    "save_digits",
]
