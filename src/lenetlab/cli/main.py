"""The ``lenetlab`` command: one sub-command per job, each in its own module.

Library code raises :class:`~lenetlab.errors.LenetlabError` with a one-line
message for anything a user can fix; this is the one place that turns such an
error into that line on stderr and a non-zero exit status, without a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import NoReturn

from lenetlab import __version__
from lenetlab.cli import (
    compare_cmd,
    data_cmd,
    evaluate_cmd,
    predict_cmd,
    report_cmd,
    serve_cmd,
    train_cmd,
)
from lenetlab.errors import LenetlabError

COMMANDS = [data_cmd, train_cmd, evaluate_cmd, predict_cmd, report_cmd, compare_cmd, serve_cmd]

USAGE_ERROR = 2  # argparse's exit status for a command line it cannot parse


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other lenetlab error.

    argparse prints the whole usage block before the message; in a log or a
    script's output the message is what matters, and ``--help`` is one step away.
    Sub-command parsers are made of the same class.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"lenetlab: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="lenetlab",
        description="LeNet-5 on real handwriting, and learning rules a brain might use.",
    )
    parser.add_argument("--version", action="version", version=f"lenetlab {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="log only warnings and errors")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="lenetlab: %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.run(args) or 0
    except LenetlabError as exc:
        print(f"lenetlab: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # a path the user named cannot be created, read or written
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"lenetlab: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lenetlab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
