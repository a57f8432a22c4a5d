"""Accuracy and speed of lenetlab's default training recipe on real MNIST.

Two questions, answered in one run so that both sides see the same machine:

1. Accuracy: the default recipe (``lenetlab train`` with no options), the
   model chosen on the validation split, over several seeds: test accuracy
   mean, minimum, maximum, standard deviation and per seed.
2. Speed: against the loop that tutorials write (a DataLoader over tensors,
   batch size 50, Adam at 1e-3, the textbook LeNet-5), measured alternately
   seed by seed in this process: time per epoch, time until the test accuracy
   first reaches 99.1%, and the final accuracy of each. A run that never
   reaches 99.1% counts its whole training time, a lower bound on what it
   would have needed, so the ratio of median times is a lower bound too. The
   compute floor is the network's training FLOPs over this machine's float32
   matmul rate, measured now.

Test accuracy after every epoch is measured outside the timed part and used
only for the time-to-accuracy figure; it never chooses a model.

    python benchmarks/train_speed_accuracy.py              # the README's figures
    python benchmarks/train_speed_accuracy.py --quick      # a one-minute smoke run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, matmul_gflops, summary, write_results  # noqa: E402

from lenetlab.data import load_splits, normalize_images  # noqa: E402
from lenetlab.models import LeNet5  # noqa: E402
from lenetlab.training.checkpoint import load_model  # noqa: E402
from lenetlab.training.config import TrainConfig  # noqa: E402
from lenetlab.training.evaluation import evaluate  # noqa: E402
from lenetlab.training.loop import Reporter, train  # noqa: E402

TARGET = 0.991


def tutorial_lenet5() -> nn.Module:
    """The course's LeNet-5 as a tutorial writes it: layer after layer, textbook order."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 120, 5), nn.ReLU(), nn.Flatten(),
        nn.Linear(120, 84), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(84, 10),
    )  # fmt: skip


def training_flops_per_image(model: LeNet5) -> int:
    """Multiply-adds of one forward pass, times two for FLOPs, for forward plus backward.

    The backward pass costs two forward passes (input and weight gradients),
    except that conv1 needs no input gradient.
    """
    macs, size = {}, 28
    for name in ("conv1", "conv2", "conv3"):
        conv = getattr(model, name)
        size = size + 2 * conv.padding[0] - conv.kernel_size[0] + 1
        macs[name] = size * size * conv.out_channels * conv.in_channels * conv.kernel_size[0] ** 2
        size //= 2 if name != "conv3" else 1
    for name in ("fc1", "fc2"):
        layer = getattr(model, name)
        macs[name] = layer.in_features * layer.out_features
    forward = sum(macs.values())
    return 2 * (3 * forward - macs["conv1"])


def run_tutorial(seed, splits, test_x, epochs, limit):
    torch.manual_seed(seed)
    model = tutorial_lenet5()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_x = normalize_images(splits.train.images)
    loader = DataLoader(TensorDataset(train_x, splits.train.labels), batch_size=50, shuffle=True)
    val_x = normalize_images(splits.val.images)

    seconds, test_curve, val_curve = [], [], []
    for _ in range(epochs):
        model.train()
        start = time.perf_counter()
        for images, labels in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
        test_curve.append(evaluate(model, test_x, splits.test.labels).accuracy)
        val_curve.append(evaluate(model, val_x, splits.val.labels).accuracy)
    return {"seconds": seconds, "test": test_curve, "val": val_curve, "final": test_curve[-1]}


class TestTracker(Reporter):
    def __init__(self, test_x, test_y):
        self.test_x, self.test_y, self.curve = test_x, test_y, []

    def epoch_done(self, metrics, model):
        self.curve.append(evaluate(model, self.test_x, self.test_y).accuracy)


def run_lenetlab(seed, splits, test_x, epochs, limit):
    config = TrainConfig(seed=seed, limit=limit, **({"epochs": epochs} if epochs else {}))
    tracker = TestTracker(test_x, splits.test.labels)
    with tempfile.TemporaryDirectory() as run_dir:
        result = train(config, run_dir, reporter=tracker)
        model, _ = load_model(run_dir)
        final = evaluate(model, test_x, splits.test.labels).accuracy
    return {
        "seconds": [row["seconds"] for row in result.history],
        "test": tracker.curve,
        "val": [row["val_accuracy"] for row in result.history],
        "final": final,
        "best_epoch": result.best["epoch"],
    }


def time_to_target(run) -> float | None:
    """Training seconds until the test accuracy after an epoch first reaches TARGET, or None."""
    elapsed = 0.0
    for seconds, accuracy in zip(run["seconds"], run["test"]):
        elapsed += seconds
        if accuracy >= TARGET:
            return elapsed
    return None


def median_time_to_target(runs) -> float:
    """A lower bound on the median time to TARGET, counting runs that never got there.

    A run that ends below the target would have needed at least all of its
    training time, so it counts as that (a lower bound on its own time). The
    median of lower bounds is a lower bound on the median: raising any value
    can only raise a median.
    """
    times = [time_to_target(run) for run in runs]
    return statistics.median(sum(run["seconds"]) if t is None else t for run, t in zip(runs, times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds of the default recipe")
    parser.add_argument("--tutorial-seeds", type=int, default=3, help="seeds of the tutorial loop")
    parser.add_argument("--tutorial-epochs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="tiny run to check the script")
    parser.add_argument("--name", default=None, help="results file name (default: train)")
    args = parser.parse_args()

    limit = 10_000 if args.quick else None
    epochs = 2 if args.quick else None
    if args.quick:
        args.seeds, args.tutorial_seeds, args.tutorial_epochs = 1, 1, 2

    splits = load_splits("mnist", limit=limit)
    test_x = normalize_images(splits.test.images)
    gflops = matmul_gflops()
    flops_per_epoch = training_flops_per_image(LeNet5()) * len(splits.train)

    ours, tutorial = [], []
    for seed in range(max(args.seeds, args.tutorial_seeds)):
        if seed < args.tutorial_seeds:
            tutorial.append(run_tutorial(seed, splits, test_x, args.tutorial_epochs, limit))
            print(f"tutorial seed {seed}: final {tutorial[-1]['final']:.4f}", flush=True)
        if seed < args.seeds:
            ours.append(run_lenetlab(seed, splits, test_x, epochs, limit))
            print(f"lenetlab seed {seed}: test {ours[-1]['final']:.4f}", flush=True)

    def epoch_median(runs):
        return statistics.median(s for run in runs for s in run["seconds"][1:] or run["seconds"])

    ours_epoch, tutorial_epoch = epoch_median(ours), epoch_median(tutorial)
    ours_ttt = [time_to_target(run) for run in ours]
    tutorial_ttt = [time_to_target(run) for run in tutorial]
    reached = [t for t in ours_ttt if t is not None]
    reached_tutorial = [t for t in tutorial_ttt if t is not None]
    floor = flops_per_epoch / (gflops * 1e9)

    results = {
        "machine": machine(),
        "matmul_gflops": gflops,
        "train_examples": len(splits.train),
        "flops_per_epoch": flops_per_epoch,
        "floor_seconds_per_epoch": floor,
        "accuracy": {
            "per_seed": [run["final"] for run in ours],
            **summary([run["final"] for run in ours]),
        },
        "lenetlab": {
            "seconds_per_epoch_median": ours_epoch,
            "time_to_target": ours_ttt,
            "runs": ours,
        },
        "tutorial": {
            "seconds_per_epoch_median": tutorial_epoch,
            "time_to_target": tutorial_ttt,
            "final_accuracy": summary([run["final"] for run in tutorial]),
            "runs": tutorial,
        },
        "speedup_per_epoch": tutorial_epoch / ours_epoch,
        # of the runs that reached the target only (None unless both sides have some)
        "speedup_time_to_target_reached_only": (
            statistics.median(reached_tutorial) / statistics.median(reached)
            if reached and reached_tutorial
            else None
        ),
        # every run counted, a run that never reached it at its whole training time: a lower
        # bound on the ratio of medians when all of lenetlab's runs reached it
        "median_time_to_target_at_least": {
            "lenetlab": median_time_to_target(ours),
            "tutorial": median_time_to_target(tutorial),
        },
        "speedup_time_to_target_at_least": (
            median_time_to_target(tutorial) / median_time_to_target(ours)
            if len(reached) == len(ours)
            else None
        ),
        "times_floor": ours_epoch / floor,
    }

    acc = results["accuracy"]
    ttt = results["speedup_time_to_target_at_least"]
    ttt_medians = results["median_time_to_target_at_least"]
    lines = [
        "| figure | value |",
        "| --- | --- |",
        f"| test accuracy, {acc['n']} seeds: mean / min / max / std | "
        f"{acc['mean']:.2%} / {acc['min']:.2%} / {acc['max']:.2%} / {acc['std']:.2%} |",
        "| per seed | " + ", ".join(f"{a:.2%}" for a in acc["per_seed"]) + " |",
        f"| seconds per epoch: lenetlab / tutorial loop | {ours_epoch:.2f} / {tutorial_epoch:.2f} "
        f"({results['speedup_per_epoch']:.2f}x) |",
        f"| seconds to {TARGET:.1%} test accuracy, median over all runs (a run that never "
        f"reached it counts its whole training time): lenetlab / tutorial | "
        f"{ttt_medians['lenetlab']:.1f} / at least {ttt_medians['tutorial']:.1f} "
        f"(at least {ttt:.2f}x) |"
        if ttt
        else f"| seconds to {TARGET:.1%} | not reached by every lenetlab run |",
        f"| runs reaching {TARGET:.1%}: lenetlab / tutorial | {len(reached)}/{len(ours)} / "
        f"{len(reached_tutorial)}/{len(tutorial)} |",
        f"| final test accuracy of the tutorial loop, mean | "
        f"{results['tutorial']['final_accuracy']['mean']:.2%} |",
        f"| compute floor ({flops_per_epoch / 1e9:.0f} GFLOP at {gflops:.0f} GFLOP/s) | "
        f"{floor:.2f} s per epoch; lenetlab is {results['times_floor']:.1f}x it |",
    ]
    markdown = "\n".join(lines) + "\n"
    print(markdown)
    name = args.name or ("train_quick" if args.quick else "train")
    print("written:", write_results(name, results, markdown))


if __name__ == "__main__":
    main()
