"""``lenetlab train``: train a LeNet-5 and write checkpoints and metrics to a run folder."""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path
from typing import Any

from tqdm import tqdm

from lenetlab.cli.options import MAX_SEED, add_data_options, add_threads_option, bounded_int
from lenetlab.errors import ConfigError
from lenetlab.models import ARCHITECTURES
from lenetlab.rules import RULES, get_rule
from lenetlab.training import checkpoint as ckpt_io
from lenetlab.training.config import TrainConfig, resolved_precision
from lenetlab.training.loop import RUNTIME_SETTINGS, Reporter, train
from lenetlab.training.precision import AUTO, PRECISIONS

log = logging.getLogger("lenetlab")
DEFAULTS = TrainConfig()


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train LeNet-5 and save checkpoints")
    add_data_options(parser)
    parser.add_argument(
        "--arch",
        help=f"{', '.join(ARCHITECTURES)} (default: {DEFAULTS.arch})",
    )
    parser.add_argument(
        "--rule",
        help=f"learning rule: {', '.join(sorted(RULES))} (default: {DEFAULTS.rule})",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help=f"default: the rule's recipe (backprop: {DEFAULTS.epochs})",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help=f"default: the rule's recipe (backprop: {DEFAULTS.batch_size})",
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=None,
        help=f"peak learning rate (default: the rule's recipe; backprop: {DEFAULTS.lr})",
    )
    parser.add_argument(
        "--precision",
        choices=(AUTO, *PRECISIONS),
        help="number format of a training step; auto: bfloat16 where the CPU has native "
        "bfloat16 instructions, else float32 (default: the rule's recipe; backprop: auto)",
    )
    parser.add_argument(
        "--seed",
        type=bounded_int(0, MAX_SEED),
        help=f"0 to {MAX_SEED} (default: {DEFAULTS.seed})",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="train on the first N training examples only (quick runs)",
    )
    add_threads_option(parser, default=None, meaning="PyTorch's")
    parser.add_argument(
        "--out", default=None, help="run folder (default: runs/DATASET-ARCH-RULE-seedS)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its last checkpoint"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)

    # every setting is None unless typed, so --resume can tell "--seed 0" from no --seed at all;
    # run() fills the defaults the help texts name
    parser.set_defaults(**{name: None for name in RUN_SETTINGS + RUNTIME_SETTINGS})


class ProgressBar(Reporter):
    """A tqdm bar per epoch with the running loss and accuracy, and one log line per epoch."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: tqdm | None = None

    def epoch_started(self, epoch: int, epochs: int, steps: int) -> None:
        self.loss, self.correct, self.count = 0.0, 0, 0
        self.bar = tqdm(
            total=steps,
            desc=f"epoch {epoch}/{epochs}",
            leave=False,
            disable=None if self.enabled else True,
        )

    def step_done(self, loss: float, correct: int, count: int) -> None:
        self.loss += loss * count
        self.correct += correct
        self.count += count
        self.bar.update()
        if self.bar.n % 20 == 0:
            self.bar.set_postfix(
                loss=f"{self.loss / self.count:.3f}", acc=f"{self.correct / self.count:.4f}"
            )

    def epoch_done(self, metrics: dict[str, Any], model) -> None:
        self.bar.close()
        log.info(
            "epoch %d: train loss %.4f acc %.4f | val loss %.4f acc %.4f | %.1f s",
            metrics["epoch"],
            metrics["train_loss"],
            metrics["train_accuracy"],
            metrics["val_loss"],
            metrics["val_accuracy"],
            metrics["seconds"],
        )


# options whose value a resumed run takes from its saved settings
RUN_SETTINGS = (
    "dataset",
    "arch",
    "rule",
    "epochs",
    "batch_size",
    "lr",
    "seed",
    "limit",
    "precision",
)


def _given(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, Any]:
    """The options among ``names`` typed on the command line, even where they equal a default."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _check_resume_options(args: argparse.Namespace, saved: dict[str, Any], out: Path) -> None:
    """Refuse options given with --resume that differ from the run's saved settings."""
    given = _given(args, RUN_SETTINGS)
    shown = {name: str(value) for name, value in given.items()}
    if given.get("precision") == AUTO:  # saved resolved, so compare what auto means here
        given["precision"] = resolved_precision(AUTO, saved["rule"])
        shown["precision"] = f"auto ({given['precision']} here)"
    clashes = [
        f"--{name.replace('_', '-')} {shown[name]} (run: {saved.get(name)})"
        for name, value in given.items()
        if saved.get(name) != value
    ]
    if clashes:
        raise ConfigError(
            f"{out}: --resume continues with the run's saved settings, but "
            f"{', '.join(clashes)} differ; drop them, or train into a new --out"
        )


def _resumed_config(args: argparse.Namespace, out: Path) -> TrainConfig:
    """The settings a run saved in its last checkpoint, with the command line's runtime options.

    The checkpoint's own metadata is read, not the JSON copy beside it, which
    may be missing or edited. Where the data is and how many threads to use do
    not change what is trained, so those options, when given, replace the
    saved ones; the training loop saves them with the next checkpoint.
    """
    meta = ckpt_io.read_metadata(out / ckpt_io.LAST)
    config = ckpt_io.saved_config(meta, out / ckpt_io.LAST)
    _check_resume_options(args, config.to_dict(), out)
    return dataclasses.replace(config, **_given(args, RUNTIME_SETTINGS))


def _check_new_run_folder(out: Path) -> None:
    """Refuse to start a new run in a folder that holds anything: the run would overwrite it.

    A user's own metrics.jsonl or best.json cannot be told from a run's, so
    only an empty folder is used (a run killed before its first checkpoint
    leaves one, and --resume starts it again).
    """
    if not out.is_dir():
        return
    names = sorted(path.name for path in out.iterdir())
    if names:
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        raise ConfigError(
            f"{out} holds {shown} but no run to resume ({ckpt_io.LAST}); "
            "train into a new or empty --out"
        )


def run(args: argparse.Namespace) -> int:
    given = _given(args, RUN_SETTINGS + RUNTIME_SETTINGS)
    rule = given.get("rule", DEFAULTS.rule)
    config = TrainConfig(**{**get_rule(rule).recipe(), **given})
    out = Path(args.out or f"runs/{config.dataset}-{config.arch}-{config.rule}-seed{config.seed}")
    if not (out / ckpt_io.LAST).exists():
        _check_new_run_folder(out)
    elif args.resume:
        config = _resumed_config(args, out)
    # else the training loop refuses to overwrite the run

    result = train(config, out, resume=args.resume, reporter=ProgressBar(not args.no_progress))

    if result.epochs_run == 0:
        log.info("run %s had already finished all %d epochs", out, len(result.history))
    if result.best is not None:
        log.info(
            "best epoch %d: validation accuracy %.4f; checkpoints in %s",
            result.best["epoch"],
            result.best["val_accuracy"],
            out,
        )
    print(out)
    return 0
