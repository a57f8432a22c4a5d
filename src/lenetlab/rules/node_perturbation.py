"""Node perturbation: learning from one scalar reward per example, by trying noise on the units.

Each step runs the batch once clean, then, for one layer at a time, twice
with the same Gaussian noise xi (std ``sigma``) added to that layer's
pre-activations, once as +xi and once as -xi. The only learning signal is how
much each example's loss changed, one number per example and layer:

    delta_n = (loss_n(+xi) - loss_n(-xi)) / (2 sigma^2) * xi_n

which on average equals the gradient of loss_n at those units. Each layer then
turns its delta into a weight change locally (times its input activity), as
backprop would do with the true gradient. The estimate's variance grows with
the number of units perturbed together, so perturbing the layers one at a
time (the largest, pooled conv1, has 1,176 units; fc2 only 10) rather than
all 1,790 at once is what makes it learn (see the measurements beside the
recipe below). Noise on the pooled units (the ones that reach the next layer)
rather than on every convolution output keeps the number of units down.

Budget: 1 + 2 x 5 = 11 forward passes per batch and no backward pass through
the network, so an epoch costs several backprop epochs (the time bar exempts
this rule); ``layerwise = False`` is the cheaper, noisier 3-pass variant.

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

    # measured with layerwise noise: on 15,000 examples for 3 epochs, lr 3e-4 reached 33%
    # test accuracy, 3e-3 87%, 1e-2 87% (all layers at once, lr 3e-3: 18%); on full MNIST
    # lr 5e-3 for 5 epochs reached 94.85% at 25.5 s an epoch on one CPU thread (rules.md)
    default_lr = 5e-3
    default_epochs = 5
    sigma = 0.1  # standard deviation of the noise on the pre-activations
    layerwise = True  # perturb one layer at a time (2 passes per layer) rather than all at once
    # a loss change under noise of 0.1 is often below bfloat16's resolution of a loss near 1
    float32_only = True

    def __init__(self) -> None:
        self.generator = torch.Generator()

    def setup(self, model, generator):
        super().setup(model, generator)
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

        # noise on one layer at a time (or all at once), each draw tried as +xi and -xi
        groups = [[name] for name in units] if self.layerwise else [list(units)]
        estimates = {}
        with torch.no_grad():
            for group in groups:
                noise = {
                    name: torch.randn(units[name].shape, generator=self.generator) * self.sigma
                    for name in group
                }
                reward = self.loss_change(model, images, labels, noise, rng)  # N
                for name in group:
                    shape = (-1,) + (1,) * (noise[name].dim() - 1)
                    estimates[name] = noise[name] * reward.view(shape) / len(labels)

        # each layer's estimated gradient, turned into a weight change locally
        torch.autograd.backward(
            [units[name] for name in estimates], [estimates[name] for name in estimates]
        )
        return loss.detach(), logits.detach()

    def loss_change(self, model, images, labels, noise, rng) -> torch.Tensor:
        """(loss_n(+xi) - loss_n(-xi)) / (2 sigma^2) per example n, xi on ``noise``'s layers."""
        losses = []
        for sign in (1.0, -1.0):
            after = torch.get_rng_state()
            torch.set_rng_state(rng)

            def perturb(name, u, sign=sign):
                return u + sign * noise[name] if name in noise else u

            perturbed = staged_forward(model, images, unit_fn=perturb)
            torch.set_rng_state(after)
            losses.append(
                F.cross_entropy(
                    perturbed, labels, reduction="none", label_smoothing=self.label_smoothing
                )
            )
        return (losses[0] - losses[1]) / (2 * self.sigma**2)

    def state_dict(self):
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state):
        self.generator.set_state(state["generator"])
