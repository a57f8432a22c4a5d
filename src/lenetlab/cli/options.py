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
