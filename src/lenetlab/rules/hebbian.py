"""Competitive Hebbian learning of the convolutional features, with a supervised linear read-out.

The plain Hebbian rule, dw_ij = eps * x_i * y_j (input activity times output
activity), is local and needs no error at all, but alone it is unstable and
learns nothing useful: the weights grow without bound (a unit that responds
strongly strengthens the very synapses that made it respond), and every unit
drifts to the same dominant pattern. Two additions make it work, following
SoftHebb (Journé et al. 2022):

- competition: at every position the units of a layer share one unit of
  output through a softmax over channels, y = softmax(u / temperature) with u
  = w . x, a soft winner-take-all, so each unit specialises on the patches it
  wins;
- normalisation: an Oja-like decay, dw_k = eps * y_k * (x - u_k * w_k), which
  keeps each unit's weight vector near unit length without any division.

Two more, each measured on 15,000 examples for 5 epochs (test accuracy of
LeNet-5 with the read-out at lr 5e-2; the random-features control got 96.1%),
turn stable features into useful ones:

- zero-sum kernels: after each change a kernel's mean weight is subtracted,
  so it answers contrast rather than brightness and no unit spends itself on
  the blank background (93.2% without, 96.2% with, at temperature 1);
- an adaptive threshold: each unit's bias is minus its mean drive over the
  batch, so it fires only above its own average, a homeostatic rule that
  keeps the features sparse (without it, at the old recipe, 89.6%; with, 92.6%);

and a sharper competition, temperature 0.1 (96.9% at 0.3, 97.1% at 0.1, 97.3%
at 0.03).

Each convolution (conv1, then conv2 on conv1's pooled output) learns this way
on every batch, summed over positions and averaged over them. The change is
applied directly with its own step size, ``hebbian_rate``, not by the
optimiser: an adaptive optimiser would rescale the change element by element
and undo the Oja normalisation. The labels reach only the linear read-out on
the pooled conv2 features (see :mod:`lenetlab.rules.readout`), whose own
gradient is local.

Known shortcoming, at the width of ``lenet5-wide`` (32 and 64 channels): the
learned features are no better than random ones. On 20,000 training images
for 5 epochs (test accuracy), random features reach 97.9%, this rule 97.6%,
Hebbian conv1 with conv2 left random 98.0%, and Hebbian conv2 on a random
conv1 97.6%: the competition among conv2's 64 units is what loses. Neither a
softer competition (temperature 0.3: 97.5%; 1.0: 97.1%), a slower rate (0.005:
97.8%), no threshold (97.4%), nor the channel-centred "triangle" output of
SoftHebb's deep networks (91.1%) closed the gap. Standardising each input
channel over the batch before the update, as SoftHebb's batch normalisation
does, moved full-MNIST runs (10 epochs, seed 0) from 97.95% to 98.01% at
LeNet-5's sizes and from 98.60% to 98.59% at the wide ones, so it was not
kept. Widening conv1 alone (64 channels, conv2 at 16) keeps the random control
low, 96.3%, but Hebbian features there reach only 96.6% (20,000 images, 5
epochs). Random features become a strong baseline as soon as the read-out
sees 1,600 of them: a point above the wide control's 98.65% is 99.65%, above
the 99.4% that SoftHebb reaches on MNIST with up to five far wider layers
(Journé et al. 2022).

Removes: weight transport, signed error signals and a separate error pathway
for the features (they learn from their own activity alone). Remains: the
read-out still learns from a signed output error; and the features are only as
good as unsupervised competition makes them, which is why the random-features
control is measured beside this rule.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lenetlab.rules.base import register
from lenetlab.rules.layers import LayerCall, conv_features
from lenetlab.rules.readout import LinearReadout

HEBBIAN_LAYERS = ("conv1", "conv2")


def softhebb_update(
    x: torch.Tensor,
    weight: torch.Tensor,
    padding: int,
    temperature: float,
    drive: torch.Tensor | None = None,
) -> torch.Tensor:
    """The soft winner-take-all Hebbian change of a convolution's weight, averaged over positions.

    x: N x C x H x W input activity; weight: K x C x k x k. For every input
    patch p at every position, u_k = w_k . p and y = softmax(u / temperature);
    the change is mean over patches of y_k * (p - u_k * w_k). ``drive``, if
    given, is u already computed.
    """
    u = F.conv2d(x, weight, padding=padding) if drive is None else drive  # N x K x H' x W'
    y = torch.softmax(u / temperature, dim=1)
    positions = u.shape[0] * u.shape[2] * u.shape[3]

    hebb = torch.nn.grad.conv2d_weight(x, weight.shape, y, padding=padding)  # sum of y_k * p
    decay = (y * u).sum((0, 2, 3)).view(-1, 1, 1, 1) * weight  # sum of y_k * u_k * w_k
    return (hebb - decay) / positions


@register("hebbian")
class Hebbian(LinearReadout):
    """SoftHebb features in conv1 and conv2, a linear read-out trained on them."""

    temperature = 0.1  # softness of the competition; lower is closer to winner-take-all
    threshold = True  # each unit's bias follows minus its mean drive, so it fires above average
    zero_mean = True  # each kernel's weights sum to zero: it responds to contrast, not brightness
    hebbian_rate = 0.02  # step size of the Hebbian change, applied directly, not by the optimiser

    def setup(self, model, generator):
        super().setup(model, generator)
        with torch.no_grad():
            for name in HEBBIAN_LAYERS:
                getattr(model, name).bias.zero_()

    def learn_features(self, model, images):
        # each convolution learns from its own input and output as the batch passes
        def learn(call: LayerCall, x: torch.Tensor) -> torch.Tensor:
            layer = getattr(model, call.name)
            drive = F.conv2d(x, call.weight, padding=call.padding)  # N x K x H x W
            out = drive + call.bias.view(1, -1, 1, 1)  # the layer's output, before the change
            change = softhebb_update(x, call.weight, call.padding, self.temperature, drive)
            layer.weight.add_(change, alpha=self.hebbian_rate)
            if self.zero_mean:
                layer.weight.sub_(layer.weight.mean((1, 2, 3), keepdim=True))
            layer.weight.grad = -change  # not stepped by the optimiser; the angle probe reads it
            if self.threshold:
                layer.bias.copy_(-drive.mean((0, 2, 3)))
            return out

        # float32 whatever the run's precision: the change is a difference of two sums of
        # similar size (hebb - decay), and bfloat16's 8-bit mantissa would round it away
        with torch.no_grad(), torch.autocast("cpu", enabled=False):
            return conv_features(model, images, layer_fn=learn)  # N x 16 x 5 x 5
