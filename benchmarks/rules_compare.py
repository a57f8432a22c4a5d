"""The learning-rules comparison on full MNIST, each rule with its own recipe, against the bars.

Runs ``lenetlab compare`` (the library call) on every rule, plus the Hebbian
rule and its random-features control on the wider network, then checks the
issue's bars: test accuracy of the validation-chosen model, and time per epoch
against backprop's. Writes ``results/rules.json`` and ``results/rules.md``
and prints the Markdown.

    python benchmarks/rules_compare.py          # 1 seed, full MNIST (about 25 min on 1 thread)
    python benchmarks/rules_compare.py --seeds 3 --threads 2
    python benchmarks/rules_compare.py --rules backprop,feedback-alignment --seeds 3 --name fa
    python benchmarks/rules_compare.py --limit 10000 --epochs 2   # a smoke run
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, write_results

from lenetlab.lab import CompareConfig, run_comparison

# spec: minimum test accuracy
ACCURACY_BARS = {
    "backprop": 0.991,
    "sign-symmetry": 0.990,
    "feedback-alignment": 0.985,
    "direct-feedback-alignment": 0.985,
    "hebbian": 0.978,
    "random-features": None,
    "hebbian@lenet5-wide": 0.985,
    "random-features@lenet5-wide": None,
    "node-perturbation": 0.90,
}
CONTROL_MARGIN = 0.01  # Hebbian features must beat their random control by this much
TIME_RATIO = 1.5  # time per epoch of every rule but node perturbation, over backprop's


def check_bars(summary: list[dict]) -> list[dict]:
    rows = {_label(row): row for row in summary}
    backprop_time = rows["backprop"]["seconds_per_epoch"] if "backprop" in rows else None
    checks = []
    for label, row in rows.items():
        accuracy = row["test_accuracy_mean"]
        bar = ACCURACY_BARS.get(label)
        if bar is not None:
            checks.append(_check(label, f"test accuracy >= {bar:.1%}", accuracy, accuracy >= bar))
        if row["rule"] == "hebbian":
            control = rows.get(label.replace("hebbian", "random-features"))
            if control:
                margin = accuracy - control["test_accuracy_mean"]
                checks.append(
                    _check(label, "1 point above its control", margin, margin >= CONTROL_MARGIN)
                )
        if backprop_time and row["rule"] != "node-perturbation" and row["arch"] == "lenet5":
            ratio = row["seconds_per_epoch"] / backprop_time
            checks.append(
                _check(label, f"time/epoch <= {TIME_RATIO}x backprop", ratio, ratio <= TIME_RATIO)
            )
    return checks


def _check(label: str, bar: str, value: float, met: bool) -> dict:
    return {"spec": label, "bar": bar, "value": value, "met": bool(met)}


def _label(row: dict) -> str:
    return row["rule"] if row["arch"] == "lenet5" else f"{row['rule']}@{row['arch']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", default=",".join(ACCURACY_BARS), help="specs to run")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=None, help="default: each rule's recipe")
    parser.add_argument("--limit", type=int, default=None, help="default: the full training split")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="runs/benchmark-rules")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--name", default="rules", help="results file name")
    args = parser.parse_args()

    config = CompareConfig(
        rules=args.rules.split(","),
        seeds=args.seeds,
        epochs=args.epochs,
        limit=args.limit,
        threads=args.threads,
        data_dir=args.data_dir,
    )
    result = run_comparison(config, args.out)
    checks = check_bars(result.summary)

    table = (Path(args.out) / "results.md").read_text()
    lines = [
        "## Learning rules on MNIST",
        "",
        table,
        "| spec | bar | value | met |",
        "|---|---|---|---|",
    ]
    for check in checks:
        value = f"{check['value']:.4f}"
        lines.append(
            f"| {check['spec']} | {check['bar']} | {value} | {'yes' if check['met'] else 'no'} |"
        )
    markdown = "\n".join(lines) + "\n"
    results = {
        "settings": {k: v for k, v in vars(args).items()},
        "machine": machine(),
        "summary": result.summary,
        "bars": checks,
    }
    write_results(args.name, results, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
