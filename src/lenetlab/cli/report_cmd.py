"""``lenetlab report``: figures and one HTML page for a run, a checkpoint or a comparison."""

from __future__ import annotations

import argparse
import logging
import time

from tqdm import tqdm

from lenetlab.cli.options import add_threads_option, bounded_int
from lenetlab.report import ReportOptions, build_report

log = logging.getLogger("lenetlab")
DEFAULTS = ReportOptions()


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="draw what a trained model learned: PNG figures and report.html"
    )
    parser.add_argument(
        "source",
        metavar="RUN_DIR_OR_CHECKPOINT",
        help="a run folder, a .safetensors checkpoint, or a folder written by lenetlab compare",
    )
    parser.add_argument(
        "--out",
        default=None,
        help=(
            "output folder: new, empty, or an earlier report's, whose files are replaced "
            "(default: SOURCE/report, or NAME-report beside a file)"
        ),
    )
    parser.add_argument(
        "--dataset",
        default=None,
        help="test set to use (default: the one the model was trained on)",
    )
    parser.add_argument("--data-dir", default=None, help="folder to look in first for the data")
    parser.add_argument("--no-download", dest="download", action="store_false")
    parser.add_argument(
        "--points",
        type=bounded_int(10, 10_000),
        default=DEFAULTS.embedding_points,
        help="test examples in the PCA and t-SNE plots (default: %(default)s)",
    )
    add_threads_option(parser, default=DEFAULTS.threads, meaning=str(DEFAULTS.threads))
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    options = ReportOptions(
        dataset=args.dataset,
        data_dir=args.data_dir,
        download=args.download,
        embedding_points=args.points,
        threads=args.threads,
    )
    started = time.perf_counter()
    with tqdm(total=None, desc="report", unit="step", disable=args.no_progress, leave=False) as bar:

        def progress(step: str, done: int, total: int) -> None:
            bar.total = total
            bar.set_postfix_str(step)
            bar.update(done - bar.n)

        report = build_report(args.source, args.out, options, progress)

    for note in report.notes:
        log.warning("%s", note)
    log.info(
        "%d figures and %s written in %.1f s",
        len(report.figures),
        report.html.name,
        time.perf_counter() - started,
    )
    print(report.html)
    return 0
