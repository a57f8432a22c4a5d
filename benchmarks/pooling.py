"""2x2 max pooling: PyTorch's kernel against lenetlab's pairwise one, and what it does to a step.

For each map size that a LeNet-5 here pools (and a few channel counts around
them), forward plus backward at batch 512 in float32 and bfloat16, both ways
interleaved in this process, median of several repeats. Then a whole training
step of the course's LeNet-5 (batch 512, bfloat16, channels-last) with each
pooling. The table justifies ``lenetlab.models.pooling.FEW_CHANNELS``.

The maps are real MNIST digits through random 5x5 filters, not random
numbers: PyTorch's kernel branches on every comparison, so on noise it
mispredicts half of them and looks about twice as slow as it is on digits,
whose flat background makes most windows alike.

    python benchmarks/pooling.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, write_results  # noqa: E402

from lenetlab.data import load_splits, normalize_images  # noqa: E402
from lenetlab.models import LeNet5  # noqa: E402
from lenetlab.models.pooling import FEW_CHANNELS, _PairwiseMaxPool  # noqa: E402

BATCH = 512


def median_ms(functions: dict, repeats: int, calls: int = 5) -> dict[str, float]:
    """Median milliseconds per call of each function, timed in turns so both see the same load."""
    for function in functions.values():
        function()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            for _ in range(calls):
                function()
            times[name].append((time.perf_counter() - start) / calls * 1e3)
    return {name: statistics.median(values) for name, values in times.items()}


def pooling_pass(pool, x, upstream):
    def run():
        (grad,) = torch.autograd.grad(pool(x), x, upstream)
        return grad

    return run


def digit_maps(images, channels, size):
    """``channels`` maps of MNIST digits through random filters, ``size`` 28 or 10 pixels wide."""
    if size == 10:
        images = F.max_pool2d(images, 2)  # 14x14, and an unpadded 5x5 filter leaves 10x10
    filters = torch.randn(channels, 1, 5, 5, generator=torch.Generator().manual_seed(channels))
    return F.conv2d(images, filters / 5, padding=2 if size == 28 else 0)


def time_maps(images, channel_sizes, repeats):
    rows = []
    for channels, size in channel_sizes:
        for dtype in (torch.float32, torch.bfloat16):
            x = digit_maps(images, channels, size).to(dtype)
            x = x.contiguous(memory_format=torch.channels_last).requires_grad_()
            upstream = torch.randn(BATCH, channels, size // 2, size // 2).to(dtype)
            upstream = upstream.contiguous(memory_format=torch.channels_last)
            ms = median_ms(
                {
                    "pytorch": pooling_pass(lambda t: F.max_pool2d(t, 2), x, upstream),
                    "pairwise": pooling_pass(_PairwiseMaxPool.apply, x, upstream),
                },
                repeats,
            )
            rows.append({"channels": channels, "size": size, "dtype": str(dtype), **ms})
            print(rows[-1], flush=True)
    return rows


def time_steps(images, labels, repeats):
    """A bfloat16 training step of lenetlab's LeNet-5 with each pooling."""
    steps = {}
    for name in ("pytorch", "pairwise"):
        torch.manual_seed(0)
        model = LeNet5().to(memory_format=torch.channels_last)
        if name == "pytorch":
            model.pool1, model.pool2 = torch.nn.MaxPool2d(2), torch.nn.MaxPool2d(2)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=True)

        def step(model=model, optimizer=optimizer):
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                F.cross_entropy(model(images), labels).backward()
            optimizer.step()

        steps[name] = step
    return median_ms(steps, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    # (channels, size): lenet5's conv1 and conv2 maps, lenet5-wide's, and counts around them
    maps = [(1, 28), (6, 28), (8, 28), (12, 28), (16, 28), (32, 28), (16, 10), (64, 10)]
    splits = load_splits("mnist", limit=BATCH)
    images = normalize_images(splits.train.images[:BATCH])
    rows = time_maps(images, maps, args.repeats)
    step = time_steps(images, splits.train.labels[:BATCH], args.repeats)

    lines = [
        f"2x2 max pooling of MNIST digits through random filters at batch {BATCH}, "
        "forward plus backward, channels-last, "
        f"{args.threads} threads; median of {args.repeats} repeats, both ways interleaved.",
        "",
        "| map (channels @ size) | format | PyTorch ms | pairwise ms | pairwise speed-up |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        used = " (used)" if row["channels"] < FEW_CHANNELS else ""
        lines.append(
            f"| {row['channels']} @ {row['size']}x{row['size']}{used} | "
            f"{row['dtype'].removeprefix('torch.')} | {row['pytorch']:.2f} | "
            f"{row['pairwise']:.2f} | {row['pytorch'] / row['pairwise']:.2f}x |"
        )
    lines += [
        "",
        f"A bfloat16 training step of the course's LeNet-5 (batch {BATCH}): "
        f"{step['pytorch']:.2f} ms with PyTorch's pooling, {step['pairwise']:.2f} ms with "
        f"lenetlab's ({step['pytorch'] / step['pairwise']:.2f}x).",
    ]
    markdown = "\n".join(lines) + "\n"
    print(markdown)
    results = {"machine": machine(), "maps": rows, "step_ms": step, "few_channels": FEW_CHANNELS}
    print("written:", write_results("pooling", results, markdown))


if __name__ == "__main__":
    main()
