"""Helpers shared by the benchmark scripts: robust summaries and atomic result files."""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

RESULTS = Path(__file__).resolve().parent / "results"


def summary(values: list[float]) -> dict[str, float]:
    """Mean, spread and extremes of a handful of measurements."""
    return {
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
        "n": len(values),
    }


def matmul_gflops(size: int = 1024, repeats: int = 10) -> float:
    """float32 matrix-multiply throughput of this machine right now, median of ``repeats``."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times) / 1e9


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def write_results(name: str, results: dict[str, Any], markdown: str) -> Path:
    """Write ``results/NAME.json`` and ``results/NAME.md`` atomically."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    for suffix, text in ((".json", json.dumps(results, indent=2) + "\n"), (".md", markdown)):
        path = RESULTS / f"{name}{suffix}"
        with tempfile.NamedTemporaryFile("w", dir=RESULTS, delete=False, suffix=".tmp") as f:
            f.write(text)
        os.replace(f.name, path)
    return RESULTS / f"{name}.json"
