"""``lenetlab compare``: train several learning rules on the same data and seeds, side by side."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from lenetlab.cli.options import add_data_options, add_threads_option
from lenetlab.lab import CompareConfig, run_comparison
from lenetlab.rules import RULES
from lenetlab.training.loop import Reporter
from lenetlab.training.precision import AUTO, PRECISIONS

log = logging.getLogger("lenetlab")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare", help="train several learning rules on the same splits and seeds, and compare"
    )
    parser.add_argument(
        "--rules",
        required=True,
        help="comma-separated RULE or RULE@ARCH, e.g. backprop,hebbian@lenet5-wide; rules: "
        + ", ".join(sorted(RULES)),
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=None, help="default: each rule's recipe")
    parser.add_argument("--lr", type=float, default=None, help="default: each rule's recipe")
    parser.add_argument(
        "--precision",
        choices=(AUTO, *PRECISIONS),
        help="number format of every run's training step (default: each rule's recipe)",
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="train on the first N training examples only"
    )
    parser.add_argument(
        "--angle-every",
        type=int,
        default=50,
        help="steps between angle samples (default: %(default)s)",
    )
    add_threads_option(parser, default=None, meaning="PyTorch's")
    parser.add_argument(
        "--out", default="runs/compare", help="output folder (default: %(default)s)"
    )
    add_data_options(parser)
    parser.set_defaults(run=run)


class EpochLog(Reporter):
    """One log line per epoch of every run."""

    def __init__(self, run: str) -> None:
        self.run = run

    def epoch_done(self, metrics: dict[str, Any], model) -> None:
        log.info(
            "%s epoch %d: train acc %.4f | val acc %.4f | %.1f s",
            self.run,
            metrics["epoch"],
            metrics["train_accuracy"],
            metrics["val_accuracy"],
            metrics["seconds"],
        )


def run(args: argparse.Namespace) -> int:
    config = CompareConfig(
        rules=[text for text in args.rules.split(",") if text.strip()],
        seeds=args.seeds,
        epochs=args.epochs,
        lr=args.lr,
        precision=args.precision,
        limit=args.limit,
        angle_every=args.angle_every,
        dataset=args.dataset,
        data_dir=args.data_dir,
        download=args.download,
        threads=args.threads,
    )
    result = run_comparison(config, args.out, reporter_for=EpochLog)
    for row in result.summary:
        log.info(
            "%s@%s: test accuracy %.2f%% ± %.2f over %d seeds, %.1f s/epoch",
            row["rule"],
            row["arch"],
            100 * row["test_accuracy_mean"],
            100 * row["test_accuracy_std"],
            row["seeds"],
            row["seconds_per_epoch"],
        )
    print(f"{args.out}/results.md")
    return 0
