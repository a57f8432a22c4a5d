"""Choose the default training recipe on the validation split, never on the test set.

Each candidate recipe is a set of ``TrainConfig`` overrides of its rule's own
recipe (backprop's unless ``rule=`` says otherwise), trained over the
same seeds. Candidates are ranked by the mean over seeds of the best
validation accuracy (the figure that chooses the saved model). Test accuracy
of each chosen model is recorded next to it, so that a reader can see how
well validation predicted it, but it plays no part in the ranking.

    python benchmarks/recipe_search.py "epochs=15" "epochs=20" "epochs=20,batch_size=128"
    python benchmarks/recipe_search.py --seeds 2 --limit 5000 "epochs=2"   # smoke run
    python benchmarks/recipe_search.py --seeds 3 "rule=direct-feedback-alignment,epochs=30"
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import fields
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, summary, write_results  # noqa: E402

from lenetlab.data import load_splits, normalize_images  # noqa: E402
from lenetlab.rules import get_rule  # noqa: E402
from lenetlab.training.checkpoint import load_model  # noqa: E402
from lenetlab.training.config import TrainConfig  # noqa: E402
from lenetlab.training.evaluation import evaluate  # noqa: E402
from lenetlab.training.loop import train  # noqa: E402


def parse_recipe(text: str) -> dict[str, object]:
    """``"epochs=20,lr=3e-3"`` -> ``{"epochs": 20, "lr": 0.003}``, typed by TrainConfig."""
    types = {f.name: f.type for f in fields(TrainConfig)}
    overrides: dict[str, object] = {}
    for item in filter(None, text.split(",")):
        name, _, value = item.partition("=")
        if name not in types:
            raise SystemExit(f"recipe {text!r}: unknown setting {name!r}")
        kinds = {"int": int, "float": float, "str": str}
        overrides[name] = kinds.get(types[name], float)(value)
    return overrides


def run_recipe(overrides, seeds, limit, test_x, test_y) -> dict[str, object]:
    runs = []
    for seed in seeds:
        rule = get_rule(str(overrides.get("rule", TrainConfig.rule)))
        config = TrainConfig(**{**rule.recipe(), "seed": seed, "limit": limit, **overrides})
        with tempfile.TemporaryDirectory() as run_dir:
            result = train(config, run_dir)
            model, _ = load_model(run_dir)
        runs.append(
            {
                "seed": seed,
                "best_val": result.best["val_accuracy"],
                "best_epoch": result.best["epoch"],
                "test": evaluate(model, test_x, test_y).accuracy,
            }
        )
        print(
            f"  seed {seed}: val {runs[-1]['best_val']:.4f} test {runs[-1]['test']:.4f}", flush=True
        )
    return {
        "val": summary([run["best_val"] for run in runs]),
        "test": summary([run["test"] for run in runs]),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="+", help="comma-separated overrides, e.g. epochs=20")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--first-seed", type=int, default=0, help="seeds run from here (more evidence for a tie)"
    )
    parser.add_argument("--limit", type=int, default=None, help="training images (smoke runs)")
    parser.add_argument("--name", default="recipe_search", help="results file name")
    args = parser.parse_args()

    splits = load_splits("mnist")
    test_x = normalize_images(splits.test.images, "mnist")
    test_y = splits.test.labels

    seeds = range(args.first_seed, args.first_seed + args.seeds)
    results = {"machine": machine(), "seeds": list(seeds), "limit": args.limit, "recipes": {}}
    for text in args.recipes:
        print(f"recipe {text}", flush=True)
        results["recipes"][text] = run_recipe(parse_recipe(text), seeds, args.limit, test_x, test_y)

    ranked = sorted(results["recipes"].items(), key=lambda kv: -kv[1]["val"]["mean"])
    lines = [
        "## Recipe search, ranked by mean validation accuracy",
        "",
        f"Seeds {seeds.start}-{seeds.stop - 1}; validation: the best epoch's accuracy on the 5,000 held-out "
        "training images. Test accuracy is shown, not used.",
        "",
        "| recipe | validation mean | test mean | test min | test max |",
        "|---|---|---|---|---|",
    ]
    for text, row in ranked:
        lines.append(
            f"| `{text}` | {row['val']['mean']:.2%} | {row['test']['mean']:.2%} "
            f"| {row['test']['min']:.2%} | {row['test']['max']:.2%} |"
        )
    markdown = "\n".join(lines) + "\n"
    print(markdown)
    write_results(args.name, results, markdown)


if __name__ == "__main__":
    main()
