"""The control: convolutional features frozen at their random initialisation, a linear read-out on top.

conv1 and conv2 keep the weights and biases they were initialised with; only
the linear read-out on the pooled conv2 features learns (see
:mod:`lenetlab.rules.readout`). A rule that learns features is worth only what
it adds above this control, measured on the same architecture and seeds.

Removes: all three difficulties for the features, which do not learn. Remains:
the read-out learns from a signed output error, as in every supervised rule.
"""

from __future__ import annotations

from lenetlab.rules.base import register
from lenetlab.rules.readout import LinearReadout


@register("random-features")
class RandomFeatures(LinearReadout):
    """Only the linear read-out learns; the convolutions stay random."""
