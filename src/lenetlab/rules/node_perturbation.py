"""Node perturbation: learning from one scalar reward per example, by trying noise on the units.

Each step runs the batch three times: once clean, and twice with the same
Gaussian noise xi (std ``sigma``) added to the pre-activation of every layer's
units, once as +xi and once as -xi. The only learning signal is how much each
example's loss changed, one number per example:

    delta_n = (loss_n(+xi) - loss_n(-xi)) / (2 sigma^2) * xi_n

which on average equals the gradient of loss_n at those units. Each layer then
turns its delta into a weight change locally (times its input activity), as
backprop would do with the true gradient. Noise on the pooled units (the ones
that reach the next layer) rather than on every convolution output keeps the
number of perturbed units, and so the variance, down: 1,790 units on LeNet-5.

Budget: three forward passes per batch and no backward pass through the
network, so an epoch costs about as much as a backprop epoch; but the estimate
is so noisy (its variance grows with the number of perturbed units) that it
needs many more epochs to reach a given accuracy.

Removes: weight transport, and the separate error pathway: a single global
scalar (a neuromodulator, say) is broadcast. Remains: the units must keep
their noise xi until the reward arrives, the reward change is signed, and the
learning is slow; the noisy passes disturb the activity by design.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lenetlab.rules.base import LearningRule, register
from lenetlab.rules.layers import staged_forward


@register("node-perturbation")
class NodePerturbation(LearningRule):
    """Gradient estimates from the change of each example's loss under noise on the units."""

    default_lr = 3e-4
    default_epochs = 30
    sigma = 0.1  # standard deviation of the noise on the pre-activations

    def __init__(self) -> None:
        self.generator = torch.Generator()

    def setup(self, model, generator):
        seed = int(torch.randint(0, 2**62, (1,), generator=generator))
        self.generator.manual_seed(seed)

    def compute_gradients(self, model, images, labels):
        # clean pass, keeping each layer's pre-activation and cutting the chain between layers
        units: dict[str, torch.Tensor] = {}

        def record(name: str, u: torch.Tensor) -> torch.Tensor:
            units[name] = u
            return u

        rng = torch.get_rng_state()  # every pass draws the same dropout mask
        logits = staged_forward(model, images, unit_fn=record, block_fn=lambda name, h: h.detach())
        loss = self.loss(logits, labels)

        # the same noise, added and subtracted
        noise = {
            name: torch.randn(u.shape, generator=self.generator) * self.sigma
            for name, u in units.items()
        }
        with torch.no_grad():
            changes = []
            for sign in (1.0, -1.0):
                after = torch.get_rng_state()
                torch.set_rng_state(rng)
                perturbed = staged_forward(
                    model, images, unit_fn=lambda name, u, sign=sign: u + sign * noise[name]
                )
                torch.set_rng_state(after)
                changes.append(
                    F.cross_entropy(
                        perturbed, labels, reduction="none", label_smoothing=self.label_smoothing
                    )
                )
            reward = (changes[0] - changes[1]) / (2 * self.sigma**2)  # N

        # each layer's estimated gradient, turned into a weight change locally
        shape = (-1,) + (1,) * 3
        estimates = [
            noise[name] * reward.view(shape[: noise[name].dim()]) / len(labels) for name in units
        ]
        torch.autograd.backward(list(units.values()), estimates)
        return loss.detach(), logits.detach()

    def state_dict(self):
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state):
        self.generator.set_state(state["generator"])
