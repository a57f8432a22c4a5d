"""Options shared by several sub-commands, defined once."""

from __future__ import annotations

import argparse


def bounded_int(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``, else a usage error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value

    return parse


MAX_THREADS = 256  # the same ceiling as ``serve --threads``

# The largest seed: each epoch's shuffle seeds a generator with seed * 1_000_003 + epoch,
# which must stay below 2**64; 2**32 - 1 leaves room for any number of epochs.
MAX_SEED = 2**32 - 1


def add_threads_option(parser: argparse.ArgumentParser, default: int | None, meaning: str) -> None:
    """``--threads``, checked up front: PyTorch raises on a negative count, and 0 was ignored."""
    parser.add_argument(
        "--threads",
        type=bounded_int(1, MAX_THREADS),
        default=default,
        help=f"CPU threads, 1 to {MAX_THREADS} (default: {meaning})",
    )


def add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset", default="mnist", help="data set: mnist or fashion-mnist (default: mnist)"
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder to look in first; then $LENETLAB_DATA, the user cache, /usr/share/datasets",
    )
    parser.add_argument(
        "--no-download",
        dest="download",
        action="store_false",
        help="never fetch from the public mirrors; fail if the files are not found",
    )
