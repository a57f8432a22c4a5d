"""The training loop: one loop for every learning rule, resumable to the bit.

The whole split lives in memory as one normalised tensor and batches are cut
from it by index, which is several times faster on a CPU than a DataLoader
that collates examples one by one. Each epoch's order comes from a generator
seeded by (seed, epoch), and the global random state (dropout) is saved with
every checkpoint, so ``resume`` after a kill replays exactly what an
uninterrupted run would have done.

The loop prints nothing. It reports through a :class:`Reporter`, which the
command line turns into a progress bar and the benchmarks into timings.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lenetlab.data import get_dataset_info, load_splits, normalize_images
from lenetlab.errors import CheckpointError, ConfigError, LenetlabError
from lenetlab.models import LeNet5
from lenetlab.rules import get_rule
from lenetlab.rules.base import LearningRule
from lenetlab.training import checkpoint as ckpt_io
from lenetlab.training.config import TrainConfig
from lenetlab.training.evaluation import evaluate
from lenetlab.training.history import METRICS, read_history, write_history
from lenetlab.training.precision import autocast
from lenetlab.training.schedule import one_cycle_lr

log = logging.getLogger(__name__)

DIVERGED_LOSS = 1e3  # a mean batch loss above this is treated as divergence

# settings that say where the data is and how to run, not what is trained: a resumed run takes
# them from the caller's config and every other setting from its checkpoint
RUNTIME_SETTINGS = ("data_dir", "download", "threads")


class TrainingDiverged(LenetlabError):
    """The loss became NaN, infinite or absurdly large."""


class Reporter:
    """Receives the loop's progress; every method is optional to override."""

    def epoch_started(self, epoch: int, epochs: int, steps: int) -> None: ...

    def step_done(self, loss: float, correct: int, count: int) -> None: ...

    def update_ready(self, step: int, model: nn.Module, rule: Any, batch: Batch) -> None:
        """Called after the rule has filled ``.grad`` and before the optimiser steps.

        ``step`` counts from 0 over the whole run. An observer (``lenetlab
        compare``) may read the gradients and replay the batch, in the run's
        precision (it is called under the same autocast as the rule); it must
        leave ``.grad``, the weights and the random state as it found them.
        """

    def epoch_done(self, metrics: dict[str, Any], model: nn.Module) -> None: ...


@dataclass(frozen=True)
class Batch:
    """One training batch, with the random state its forward pass started from."""

    images: torch.Tensor  # N x 1 x 28 x 28, normalised
    labels: torch.Tensor  # N
    rng_state: torch.Tensor  # torch.get_rng_state() before the rule's pass: its dropout mask


@dataclass
class TrainResult:
    run_dir: Path
    history: list[dict[str, Any]] = field(default_factory=list)  # one row per epoch
    best: dict[str, Any] | None = None  # the row of the epoch chosen on validation
    epochs_run: int = 0  # epochs trained by this call (0 when resuming a finished run)


def epoch_permutation(seed: int, epoch: int, size: int) -> torch.Tensor:
    """The order of the training examples in ``epoch``: a function of (seed, epoch) alone."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(size, generator=generator)


def _read_history(run_dir: Path, up_to_epoch: int) -> list[dict[str, Any]]:
    path = run_dir / METRICS
    if not path.exists():
        return []
    return [row for row in read_history(path) if row["epoch"] <= up_to_epoch]


def _write_history(run_dir: Path, history: list[dict[str, Any]]) -> None:
    write_history(run_dir / METRICS, history)


@torch.no_grad()
def _update_average(averaged: nn.Module, model: nn.Module, decay: float, step: int) -> None:
    """Move the averaged weights towards the current ones.

    The decay ramps up from zero over the first steps, so the average forgets
    the random initialisation quickly; a decay of 0 copies the weights.
    """
    decay = min(decay, (1 + step) / (10 + step))
    for mean, weight in zip(averaged.parameters(), model.parameters()):
        mean.lerp_(weight.detach(), 1 - decay)


def _is_better(row: dict[str, Any], best: dict[str, Any] | None) -> bool:
    """Higher validation accuracy wins; on a tie, lower validation loss."""
    if best is None:
        return True
    return (row["val_accuracy"], -row["val_loss"]) > (best["val_accuracy"], -best["val_loss"])


def _what_is_kept(run_dir: Path) -> str:
    """What a diverged run leaves behind: its last checkpoint, if it got as far as one."""
    if (run_dir / ckpt_io.LAST).exists():
        return f"the last good checkpoint in {run_dir} is kept"
    return "there is no checkpoint yet"


def _remove_if_empty(folder: Path) -> None:
    """Remove a folder this run created, so a run that saved nothing leaves nothing behind."""
    if not any(folder.iterdir()):
        folder.rmdir()


def _diverged(rule: str, where: str, run_dir: Path, created_run_dir: bool) -> TrainingDiverged:
    """The error that ends a diverged run, after removing the folder if the run made it empty."""
    if created_run_dir:
        _remove_if_empty(run_dir)
    return TrainingDiverged(
        f"rule {rule!r} diverged at {where}; {_what_is_kept(run_dir)}; try a lower --lr"
    )


def _all_finite(model: nn.Module) -> bool:
    return all(bool(torch.isfinite(weight).all()) for weight in model.parameters())


def _restore(
    previous: ckpt_io.Checkpoint,
    path: Path,
    model: nn.Module,
    averaged: nn.Module,
    optimizer: torch.optim.Optimizer,
    rule: LearningRule,
) -> None:
    """Put a run's saved state back, refusing a checkpoint that does not fit its own settings.

    The weights are checked as ``evaluate`` checks them (shapes, finite
    values); what is left (optimiser, rule and random state) can only be tried.
    """
    ckpt_io.build_model(previous, path)
    if previous.raw:
        ckpt_io.build_model(dataclasses.replace(previous, model=previous.raw), f"{path} (raw)")
    try:
        model.load_state_dict(previous.raw or previous.model)
        averaged.load_state_dict(previous.model)
        ckpt_io.restore_optimizer(optimizer, previous.optimizer)
        rule.load_state_dict(previous.rule)
        if previous.rng is not None:
            torch.set_rng_state(previous.rng)
    except (RuntimeError, IndexError, KeyError, ValueError, TypeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path}: cannot resume from it ({first_line})") from None


def train(
    config: TrainConfig,
    run_dir: str | Path,
    *,
    resume: bool = False,
    reporter: Reporter | None = None,
) -> TrainResult:
    """Train a LeNet-5 as ``config`` says, writing checkpoints and metrics to ``run_dir``.

    With ``resume`` and a checkpoint in ``run_dir``, the run continues with the
    settings saved in it, except :data:`RUNTIME_SETTINGS`, which come from ``config``.
    """
    reporter = reporter or Reporter()
    run_dir = Path(run_dir)
    last_path = run_dir / ckpt_io.LAST
    if run_dir.exists() and not run_dir.is_dir():
        raise ConfigError(f"{run_dir}: exists and is not a folder; choose another --out")

    # refuse to overwrite a run unless asked to continue it
    previous = None
    if last_path.exists():
        if not resume:
            raise ConfigError(
                f"{run_dir} already holds a training run; pass --resume to continue it "
                "or choose another --out"
            )
        previous = ckpt_io.load_checkpoint(last_path)
        runtime = {name: getattr(config, name) for name in RUNTIME_SETTINGS}
        config = dataclasses.replace(ckpt_io.saved_config(previous.meta, last_path), **runtime)
        log.info("resuming %s after epoch %d", run_dir, previous.meta["epoch"])
    elif resume:
        log.info("nothing to resume in %s; starting a new run", run_dir)

    if config.threads:
        torch.set_num_threads(config.threads)

    # data, normalised once and held in memory
    splits = load_splits(
        config.dataset,
        data_dir=config.data_dir,
        download=config.download,
        val_size=config.val_size,
        limit=config.limit,
    )
    info = get_dataset_info(config.dataset)
    train_x = normalize_images(splits.train.images, config.dataset)  # N x 1 x 28 x 28
    train_y = splits.train.labels
    val_x = normalize_images(splits.val.images, config.dataset)
    val_y = splits.val.labels

    # model, rule and optimiser, all seeded from config.seed
    torch.manual_seed(config.seed)
    model = LeNet5(config.arch).to(memory_format=torch.channels_last)  # faster CPU convolutions
    rule = get_rule(config.rule)
    rule.label_smoothing = config.label_smoothing
    rule.setup(model, torch.Generator().manual_seed(config.seed + 1))
    parameters = [p for p in rule.trainable_parameters(model) if p.requires_grad]
    optimizer = torch.optim.AdamW(
        parameters, lr=config.lr, weight_decay=config.weight_decay, fused=True
    )

    steps_per_epoch = math.ceil(len(train_x) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    start_epoch = 1
    history: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None

    # the weights that are validated and saved: a moving average of the optimised ones
    averaged = copy.deepcopy(model)
    for weight in averaged.parameters():
        weight.requires_grad_(False)

    if previous is not None:
        _restore(previous, last_path, model, averaged, optimizer, rule)
        start_epoch = previous.meta["epoch"] + 1
        history = _read_history(run_dir, previous.meta["epoch"])
        best = previous.meta.get("best")
        _write_history(run_dir, history)

    created_run_dir = not run_dir.exists()
    run_dir.mkdir(parents=True, exist_ok=True)
    meta_base = {
        "arch": config.arch,
        "rule": config.rule,
        "dataset": config.dataset,
        "dataset_checksums": splits.checksums,
        "normalisation": {"mean": info.mean, "std": info.std},
        "seed": config.seed,
        "versions": ckpt_io.library_versions(),
        "config": config.to_dict(),
        "epochs": config.epochs,
    }

    for epoch in range(start_epoch, config.epochs + 1):
        model.train()
        reporter.epoch_started(epoch, config.epochs, steps_per_epoch)
        order = epoch_permutation(config.seed, epoch, len(train_x))
        loss_sum = torch.zeros(())
        correct = 0
        started = time.perf_counter()

        for step in range(steps_per_epoch):
            index = order[step * config.batch_size : (step + 1) * config.batch_size]
            images, labels = train_x[index], train_y[index]

            global_step = (epoch - 1) * steps_per_epoch + step
            lr = one_cycle_lr(global_step, total_steps, config.lr, config.warmup_fraction)
            for group in optimizer.param_groups:
                group["lr"] = lr

            optimizer.zero_grad(set_to_none=True)
            rng_state = torch.get_rng_state()
            with autocast(config.precision):  # an observer's replay computes as the rule did
                loss, logits = rule.compute_gradients(model, images, labels)
                loss_value = float(loss)
                if not math.isfinite(loss_value) or loss_value > DIVERGED_LOSS:
                    where = f"epoch {epoch}, step {step + 1} (loss {loss_value:.3g})"
                    raise _diverged(config.rule, where, run_dir, created_run_dir)
                batch = Batch(images, labels, rng_state)
                reporter.update_ready(global_step, model, rule, batch)
            optimizer.step()
            _update_average(averaged, model, config.ema_decay, global_step)

            batch_correct = int((logits.argmax(1) == labels).sum())
            loss_sum += loss * len(labels)
            correct += batch_correct
            reporter.step_done(loss_value, batch_correct, len(labels))

        seconds = time.perf_counter() - started

        # the epoch's last update is not followed by a loss that would show it went wrong
        if not _all_finite(model):
            where = f"epoch {epoch}, step {steps_per_epoch} (weights no longer finite)"
            raise _diverged(config.rule, where, run_dir, created_run_dir)
        val = evaluate(averaged, val_x, val_y)
        row = {
            "epoch": epoch,
            "train_loss": float(loss_sum) / len(train_x),
            "train_accuracy": correct / len(train_x),
            "val_loss": val.loss,
            "val_accuracy": val.accuracy,
            "lr": lr,
            "seconds": seconds,
        }
        history.append(row)

        # checkpoints: the best by validation accuracy, and always the last
        is_best = _is_better(row, best)
        if is_best:
            best = row
        meta = {**meta_base, "epoch": epoch, "metrics": row, "best": best}
        state = ckpt_io.Checkpoint(
            model=averaged.state_dict(),
            optimizer=ckpt_io.optimizer_tensors(optimizer),
            rule=rule.state_dict(),
            rng=torch.get_rng_state(),
            meta=meta,
            raw=model.state_dict(),
        )
        if is_best:
            ckpt_io.save_checkpoint(run_dir / ckpt_io.BEST, state)
        ckpt_io.save_checkpoint(last_path, state)
        _write_history(run_dir, history)
        reporter.epoch_done(row, averaged)

    epochs_run = max(0, config.epochs + 1 - start_epoch)
    return TrainResult(run_dir=run_dir, history=history, best=best, epochs_run=epochs_run)
