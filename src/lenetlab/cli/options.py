"""Options shared by several sub-commands, defined once."""

from __future__ import annotations

import argparse


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
