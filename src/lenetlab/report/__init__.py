"""Figures and reports of what a trained LeNet-5 learned.

:func:`build_report` writes PNG figures and one self-contained HTML page for a
run folder, a checkpoint or a ``lenetlab compare`` folder. The computations
live apart from the drawing, so the web page reuses them:
:mod:`.features` (feature maps, kernels, PNG tiles), :mod:`.saliency`,
:mod:`.embedding` and :mod:`.analysis`; :mod:`.figures` draws, :mod:`.page`
writes the HTML and :mod:`.palette` holds the colours every figure shares.
"""

from lenetlab.report.build import (
    FigureFile,
    Report,
    ReportOptions,
    build_report,
    is_compare_dir,
)
from lenetlab.report.features import (
    ColourScale,
    colour_scale,
    conv_kernels,
    feature_maps,
    layer_tile_png,
    tile_layer,
)

__all__ = [
    "ColourScale",
    "FigureFile",
    "Report",
    "ReportOptions",
    "build_report",
    "colour_scale",
    "conv_kernels",
    "feature_maps",
    "is_compare_dir",
    "layer_tile_png",
    "tile_layer",
]
