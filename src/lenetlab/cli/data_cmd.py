"""``lenetlab data``: find or fetch a data set, verify it, and say where it is."""

from __future__ import annotations

import argparse
import json

from lenetlab.cli.options import add_data_options
from lenetlab.data import load_splits, locate_dataset


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="locate or fetch a data set and verify it")
    add_data_options(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    files = locate_dataset(args.dataset, args.data_dir, args.download)
    splits = load_splits(args.dataset, data_dir=files.directory, download=False)
    summary = {
        "dataset": args.dataset,
        "directory": str(files.directory),
        "source": files.source,
        "files": {role: str(path) for role, path in files.paths.items()},
        "train": len(splits.train),
        "val": len(splits.val),
        "test": len(splits.test),
    }
    if args.json:
        print(json.dumps(summary))
        return 0

    print(f"{args.dataset}: {summary['directory']} (found via {files.source}; contents verified)")
    for role, path in summary["files"].items():
        print(f"  {role:13} {path}")
    print(
        f"  examples: train {summary['train']}, validation {summary['val']}, test {summary['test']}"
    )
    return 0
