"""``lenetlab evaluate``: test accuracy, per-class precision and recall, confusion matrix."""

from __future__ import annotations

import argparse
import json

from lenetlab.data import load_splits, normalize_images
from lenetlab.training.checkpoint import load_model
from lenetlab.training.evaluation import evaluate


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="measure a trained model on the test set")
    parser.add_argument("checkpoint", metavar="RUN_DIR_OR_CHECKPOINT")
    parser.add_argument(
        "--dataset", default=None, help="data set to test on (default: the one it was trained on)"
    )
    parser.add_argument("--data-dir", default=None, help="folder to look in first for the data")
    parser.add_argument("--no-download", dest="download", action="store_false")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model, meta = load_model(args.checkpoint)
    dataset = args.dataset or meta["dataset"]
    splits = load_splits(dataset, data_dir=args.data_dir, download=args.download)
    inputs = normalize_images(splits.test.images, meta["dataset"])
    result = evaluate(model, inputs, splits.test.labels)

    if args.json:
        print(
            json.dumps({"checkpoint": str(args.checkpoint), "dataset": dataset, **result.to_dict()})
        )
        return 0

    print(f"{dataset} test set, {result.count} examples: accuracy {result.accuracy:.2%}")
    print()
    print("class  precision  recall  support")
    for row in result.per_class:
        print(
            f"{row['class']:>5}  {row['precision']:>9.4f}  {row['recall']:>6.4f}  {row['support']:>7}"
        )
    print()
    print("confusion matrix (rows: true class, columns: predicted)")
    print("      " + "".join(f"{c:>6}" for c in range(len(result.confusion))))
    for true, row in enumerate(result.confusion):
        print(f"{true:>6}" + "".join(f"{n:>6}" for n in row))
    return 0
