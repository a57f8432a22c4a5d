"""How long ``lenetlab report`` takes for a trained run; the bar is 30 s.

The command is timed end to end as a user runs it (a fresh process, imports
included) with 1 and with 2 threads, several times each, and the median
kept. One more run in this process times each step, to show where the time
goes. The load average is recorded beside the times, because a busy machine
slows every step alike.

    python benchmarks/report_time.py                       # trains a quick run first
    python benchmarks/report_time.py --run runs/mnist-lenet5-backprop-seed0 --repeats 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, summary, write_results  # noqa: E402

from lenetlab.report import ReportOptions, build_report  # noqa: E402
from lenetlab.training.config import TrainConfig  # noqa: E402
from lenetlab.training.loop import train  # noqa: E402

BAR_SECONDS = 30.0


def time_command(run: Path, out: Path, threads: int, data_dir: str | None) -> float:
    """Wall-clock seconds of one ``lenetlab report`` in a new process."""
    command = [sys.executable, "-m", "lenetlab.cli.main", "-q", "report", str(run)]
    command += ["--out", str(out), "--threads", str(threads), "--no-progress"]
    if data_dir:
        command += ["--data-dir", data_dir]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def time_steps(run: Path, out: Path, threads: int, data_dir: str | None) -> dict[str, float]:
    """Seconds spent in each step of one report built in this process."""
    steps: dict[str, float] = {}
    last = time.perf_counter()

    def progress(step: str, done: int, total: int) -> None:
        nonlocal last
        now = time.perf_counter()
        steps[step] = round(now - last, 3)
        last = now

    build_report(run, out, ReportOptions(data_dir=data_dir, threads=threads), progress)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=None, help="run folder (default: train one)")
    parser.add_argument("--repeats", type=int, default=3, help="reports per thread count")
    parser.add_argument("--threads", default="1,2", help="thread counts to time (default: 1,2)")
    parser.add_argument("--data-dir", default=None, help="folder to look in first for MNIST")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        run = args.run
        if run is None:
            # a quick real run: what a report shows does not depend on training time
            run = Path(scratch) / "run"
            config = TrainConfig(limit=8000, epochs=2, threads=1, data_dir=args.data_dir)
            train(config, run)

        results: dict[str, object] = {
            "run": str(args.run or "quick run: --limit 8000 --epochs 2"),
            "bar_seconds": BAR_SECONDS,
            "machine": machine(),
            "load_average_before": os.getloadavg(),
            "command_seconds": {},
        }
        rows = []
        for threads in [int(t) for t in args.threads.split(",")]:
            times = [
                time_command(run, Path(scratch) / f"out-{threads}-{i}", threads, args.data_dir)
                for i in range(args.repeats)
            ]
            results["command_seconds"][str(threads)] = summary(times)
            median = statistics.median(times)
            rows.append(f"| {threads} | {median:.1f} | {min(times):.1f} | {max(times):.1f} |")
            print(f"{threads} thread(s): median {median:.1f} s over {len(times)} reports")

        results["steps_seconds_1_thread"] = time_steps(
            run, Path(scratch) / "steps", 1, args.data_dir
        )
        results["load_average_after"] = os.getloadavg()

    # the bar applies to the command as shipped, with its default thread count
    default = str(ReportOptions().threads)
    timed = results["command_seconds"]
    results["meets_bar"] = default in timed and timed[default]["median"] < BAR_SECONDS
    markdown = "\n".join(
        [
            f"# lenetlab report: time for a trained run (bar: under {BAR_SECONDS:.0f} s)",
            "",
            f"Default: {ReportOptions().threads} thread. Load average before and after: "
            f"{results['load_average_before'][0]:.1f}, {results['load_average_after'][0]:.1f} "
            f"on {os.cpu_count()} CPUs (other work shares this machine).",
            "",
            "| threads | median s | min s | max s |",
            "|---|---|---|---|",
            *rows,
            "",
            "Seconds per step (1 thread): "
            + ", ".join(f"{k} {v:.1f}" for k, v in results["steps_seconds_1_thread"].items()),
            "",
        ]
    )
    path = write_results("report_time", results, markdown)
    print(f"results in {path}; under {BAR_SECONDS:.0f} s: {results['meets_bar']}")


if __name__ == "__main__":
    main()
