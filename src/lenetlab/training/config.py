"""Settings of a training run, as one typed dataclass.

The defaults are the recipe the accuracy benchmark measures: with no options
at all, ``lenetlab train`` reproduces the README's figures. Every resolved
setting is saved with each checkpoint, so a run can be read back and repeated.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from lenetlab.errors import ConfigError
from lenetlab.models.lenet import get_architecture
from lenetlab.training.precision import AUTO, PRECISIONS, resolve


@dataclass
class TrainConfig:
    dataset: str = "mnist"  # data set name: mnist or fashion-mnist
    arch: str = "lenet5"  # network: lenet5 (the course's), lenet5-1998 or lenet5-wide
    rule: str = "backprop"  # learning rule that turns errors into weight changes
    epochs: int = 15  # passes over the training split
    # batch 512 at lr 6e-3 matched batch 256 at 4e-3 on validation (99.35% against 99.36%, seeds
    # 0-4) and trains an epoch about 10% faster (benchmarks/results/recipe_search_b512*.md)
    batch_size: int = 512  # examples per weight update
    lr: float = 6e-3  # peak learning rate of the one-cycle schedule
    # decoupled weight decay (AdamW), which shrinks weights by lr * weight_decay a step; chosen on
    # validation over seeds 0-9 in bfloat16: 5e-4 99.31%, 0.05 99.33%, 0.15 99.34%, 0.3 99.33%
    # (benchmarks/results/recipe_search_bf16_wd*.md)
    weight_decay: float = 0.15
    # share of the target spread over the other classes; 0.1 lifted the validation accuracy of
    # seeds 0-4 from 99.31% to 99.36% (benchmarks/results/recipe_search_ls*.md)
    label_smoothing: float = 0.1
    warmup_fraction: float = 0.2  # share of the steps spent raising the learning rate
    ema_decay: float = 0.999  # per-step decay of the weight average that is validated and saved
    seed: int = 0  # seeds initialisation, shuffling and dropout
    val_size: int = 5000  # training examples held out, from the end, to choose the model
    limit: int | None = None  # use only the first N training examples (quick runs)
    data_dir: str | None = None  # where to look for the data first
    download: bool = True  # fetch the data from the public mirrors if not found locally
    threads: int | None = None  # CPU threads for PyTorch; None keeps its default
    # number format of the training step (see training/precision.py); auto becomes bfloat16 where
    # the CPU has native bfloat16 instructions and the rule allows it, else float32; saved resolved
    precision: str = AUTO

    def __post_init__(self) -> None:
        positive = {"epochs": self.epochs, "batch_size": self.batch_size}
        for name, value in positive.items():
            if value < 1:
                raise ConfigError(f"{name} must be at least 1, got {value}")
        if not 0 < self.lr < math.inf:
            raise ConfigError(f"lr must be a positive finite number, got {self.lr}")
        if not 0 <= self.label_smoothing < 1:
            raise ConfigError(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if not 0 <= self.ema_decay < 1:
            raise ConfigError(f"ema_decay must be in [0, 1), got {self.ema_decay}")
        if not 0 <= self.warmup_fraction < 1:
            raise ConfigError(f"warmup_fraction must be in [0, 1), got {self.warmup_fraction}")
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"limit must be at least 1 training image, got {self.limit}")
        get_architecture(self.arch)  # fail now, with the known names, not after loading data
        self.precision = resolved_precision(self.precision, self.rule)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Rebuild settings saved by :meth:`to_dict`, ignoring fields this version lacks.

        Runs saved before the precision setting existed trained in float32.
        """
        known = {f.name for f in fields(cls)}
        return cls(**{"precision": "float32", **{k: v for k, v in values.items() if k in known}})


def resolved_precision(precision: str, rule: str) -> str:
    """``precision`` as the run named ``rule`` will train in: ``auto`` becomes what this CPU
    runs fastest and the rule allows, and a format the rule refuses is an error now, before
    any data loads. An unknown rule name fails with the known ones."""
    from lenetlab.rules import get_rule  # not at the top: the rules read their recipes here

    if precision not in (AUTO, *PRECISIONS):
        known = ", ".join((AUTO, *PRECISIONS))
        raise ConfigError(f"precision must be one of {known}, got {precision!r}")
    float32_only = get_rule(rule).float32_only
    precision = resolve(precision, float32_only)
    if float32_only and precision != "float32":
        raise ConfigError(
            f"rule {rule} needs precision float32, got {precision}: "
            "bfloat16 would round away the signal it learns from"
        )
    return precision
