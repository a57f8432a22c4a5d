"""The interface every learning rule implements, and the registry that names them.

A learning rule decides how the error on a batch turns into a change of the
network's weights. The training loop is the same for every rule: it asks the
rule to fill each trained parameter's ``.grad`` for a batch, then lets the
optimiser step. Backprop fills ``.grad`` with the true gradient; the other
rules fill it with something a brain could plausibly compute instead.

A rule may hold state of its own (fixed random feedback weights, say). That
state is created from the run's seed in :meth:`LearningRule.setup` and saved
with every checkpoint through :meth:`state_dict`, so a resumed run continues
with the same feedback it started with.

Each rule carries its own recipe, ``default_lr``, ``default_epochs``,
``default_batch_size``, ``default_weight_decay``,
``default_label_smoothing`` and ``default_precision`` (see :meth:`LearningRule.recipe`), which
``lenetlab train`` and ``lenetlab compare`` use unless told otherwise, and may
set its own ``dropout``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from lenetlab.errors import ConfigError


class LearningRule:
    """Base class: a rule computes weight updates for one batch."""

    name: str = ""
    label_smoothing: float = 0.0  # set by the training loop from its settings, before setup
    # the recipe the rules were tuned from, backprop's before its batch, label smoothing, weight
    # decay and precision changed (its own is TrainConfig's defaults); a rule overrides what it
    # changes
    default_lr: float = 4e-3  # peak learning rate of the one-cycle schedule
    default_epochs: int = 15
    default_batch_size: int = 256
    default_weight_decay: float = 5e-4  # AdamW's decoupled decay
    default_label_smoothing: float = 0.0
    # float32, bfloat16 or auto (see training/precision.py); the rules were tuned in float32
    default_precision: str = "float32"
    float32_only: bool = False  # True where bfloat16 would drown the signal the rule learns from
    dropout: float | None = None  # dropout before fc2 while training; None keeps the network's

    def recipe(self, **given: Any) -> dict[str, Any]:
        """This rule's recipe as :class:`TrainConfig` settings, with each ``given`` one that is
        not None in place of the rule's default: what a command line leaves out, the rule fills."""
        defaults = {
            "epochs": self.default_epochs,
            "batch_size": self.default_batch_size,
            "lr": self.default_lr,
            "weight_decay": self.default_weight_decay,
            "label_smoothing": self.default_label_smoothing,
            "precision": self.default_precision,
        }
        return {**defaults, **{name: value for name, value in given.items() if value is not None}}

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The supervised objective: cross-entropy, with the run's label smoothing."""
        return F.cross_entropy(logits, labels, label_smoothing=self.label_smoothing)

    def setup(self, model: nn.Module, generator: torch.Generator) -> None:
        """Create any state the rule needs for ``model``, drawing randomness from ``generator``.

        Subclasses call this first: it sets the rule's own dropout, if it has
        one. Dropout acts only in training, so the checkpoint's network is the same.
        """
        if self.dropout is not None:
            model.dropout.p = self.dropout

    def trainable_parameters(self, model: nn.Module) -> Iterable[nn.Parameter]:
        """The parameters the optimiser should update; all of them unless a rule freezes some."""
        return model.parameters()

    def compute_gradients(
        self, model: nn.Module, images: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Fill ``.grad`` of the trainable parameters for this batch.

        Returns the batch's mean cross-entropy loss (detached) and its logits
        (detached), which the loop uses for its progress figures.
        """
        raise NotImplementedError

    def alignment_pairs(self, model: nn.Module) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """(forward weight, feedback weight) of each layer whose error travels by feedback
        weights of the forward weights' shape; empty for rules without such weights."""
        return {}

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Tensors the rule needs to continue exactly after a resume."""
        return {}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state_dict` returned."""


class FixedFeedbackRule(LearningRule):
    """A rule that carries errors through fixed random matrices drawn in ``setup``.

    The matrices are the rule's whole state, saved with every checkpoint so a
    resumed run sends its errors through the same feedback it started with.
    """

    def __init__(self) -> None:
        self.feedback: dict[str, torch.Tensor] = {}

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {f"feedback.{name}": weight for name, weight in self.feedback.items()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self.feedback = {
            key.removeprefix("feedback."): tensor.clone()
            for key, tensor in state.items()
            if key.startswith("feedback.")
        }


RULES: dict[str, Callable[[], LearningRule]] = {}


def register(name: str) -> Callable[[type[LearningRule]], type[LearningRule]]:
    """Class decorator that makes a rule available under ``name``."""

    def add(cls: type[LearningRule]) -> type[LearningRule]:
        cls.name = name
        RULES[name] = cls
        return cls

    return add


def get_rule(name: str) -> LearningRule:
    """A fresh instance of the rule called ``name``; unknown names list the known ones."""
    try:
        factory = RULES[name]
    except KeyError:
        known = ", ".join(sorted(RULES))
        raise ConfigError(f"unknown learning rule {name!r}; known rules: {known}") from None
    return factory()
