"""``lenetlab predict``: read the digits in image files with a trained model."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from lenetlab.errors import LenetlabError
from lenetlab.imaging.preprocessing import save_digits
from lenetlab.inference import Recogniser

log = logging.getLogger("lenetlab")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "predict", help="recognise the digits in images (photos, scans, drawings)"
    )
    parser.add_argument("checkpoint", metavar="RUN_DIR_OR_CHECKPOINT")
    parser.add_argument("images", metavar="IMAGE", nargs="+", help="image files of any size")
    parser.add_argument("--json", action="store_true", help="print one JSON object per image")
    parser.add_argument(
        "--show-input",
        metavar="DIR",
        default=None,
        help="save the 28x28 image the network saw for each digit into DIR; a file already "
        "there is never replaced: the picture takes the next free name (x-0-2.png, ...)",
    )
    parser.set_defaults(run=run)


def _describe(path: str, reading) -> str:
    if reading.empty:
        return f"{path}: nothing drawn"
    if len(reading.digits) == 1:
        d = reading.digits[0]
        top = sorted(range(10), key=lambda c: -d.probabilities[c])[:3]
        others = ", ".join(f"{c}: {d.probabilities[c]:.1%}" for c in top[1:])
        return f"{path}: {d.digit} ({d.probabilities[d.digit]:.1%}; then {others})"
    confidences = " ".join(f"{d.digit}:{d.probabilities[d.digit]:.0%}" for d in reading.digits)
    return f"{path}: number {reading.number} (digits {confidences})"


def _unique_stem(stem: str, used: set[str]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``... when an earlier input had the same file name."""
    candidate, number = stem, 1
    while candidate in used:
        number += 1
        candidate = f"{stem}-{number}"
    used.add(candidate)
    return candidate


def run(args: argparse.Namespace) -> int:
    recogniser = Recogniser.from_checkpoint(args.checkpoint)
    failures = 0
    stems_used: set[str] = set()

    for path in args.images:
        try:
            reading = recogniser.read(Path(path), name_for_errors=path)
        except LenetlabError as exc:
            print(f"lenetlab: error: {exc}", file=sys.stderr)
            failures += 1
            continue

        if args.show_input and not reading.empty:
            stem = _unique_stem(Path(path).stem, stems_used)
            saved = save_digits(reading.preprocessed, args.show_input, stem=stem)
            log.info("%s: network input saved as %s", path, ", ".join(str(p) for p in saved))

        if args.json:
            print(json.dumps({"path": path, **reading.to_dict()}), flush=True)
        else:
            print(_describe(path, reading), flush=True)

    return 1 if failures else 0
