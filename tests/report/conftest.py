"""Fixtures for the report tests: small real runs, a comparison folder, built reports.

Everything expensive is built once per session: three one-epoch runs on 6,000
real MNIST examples (two seeds of backprop and one of the 1998 architecture,
so the comparison has two specs side by side), the run report and the
comparison report. The t-SNE subset is cut to 400 points to keep the suite fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from lenetlab.report import Report, ReportOptions, build_report
from lenetlab.training.config import TrainConfig
from lenetlab.training.loop import train
from tests.conftest import QUICK_RECIPE

EMBEDDING_POINTS = 400


def _train(datasets_dir: Path, out: Path, seed: int, arch: str = "lenet5") -> Path:
    config = TrainConfig(
        **QUICK_RECIPE,
        arch=arch,
        epochs=1,
        limit=6000,
        seed=seed,
        threads=1,
        data_dir=str(datasets_dir),
        download=False,
    )
    train(config, out)
    return out


@pytest.fixture(scope="session")
def report_options(datasets_dir: Path) -> ReportOptions:
    return ReportOptions(
        data_dir=str(datasets_dir),
        download=False,
        embedding_points=EMBEDDING_POINTS,
        threads=1,
    )


@pytest.fixture(scope="session")
def compare_dir(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out as ``lenetlab compare`` writes it, from real short runs."""
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("compare")
    _train(datasets_dir, folder / "backprop-seed0", seed=0)
    _train(datasets_dir, folder / "backprop-seed1", seed=1)
    _train(datasets_dir, folder / "backprop@lenet5-1998-seed0", seed=0, arch="lenet5-1998")

    (folder / "results.csv").write_text(
        "rule,arch,seeds,epochs,test_accuracy_mean,test_accuracy_std\n"
        "backprop,lenet5,2,1,0.95,0.002\n"
        "backprop,lenet5-1998,1,1,0.93,0.0\n"
    )
    (folder / "results.md").write_text("| rule | accuracy |\n|---|---|\n| backprop | 95% |\n")

    # angle rows in the layout of lenetlab.lab.angles (the numbers are made up)
    rows = []
    for arch, seed in (("lenet5", 0), ("lenet5", 1), ("lenet5-1998", 0)):
        for step in (0, 20, 40):
            for layer in ("conv1", "fc1"):
                angle = 0.0 if arch == "lenet5" else 30.0 + step
                rows.append(
                    {
                        "rule": "backprop",
                        "arch": arch,
                        "seed": seed,
                        "step": step,
                        "epoch": 1,
                        "kind": "update-vs-gradient",
                        "layer": layer,
                        "angle": angle,
                    }
                )
    (folder / "angles.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return folder


@pytest.fixture(scope="session")
def run_dir(compare_dir: Path) -> Path:
    return compare_dir / "backprop-seed0"


@pytest.fixture(scope="session")
def progress_calls() -> list[tuple[str, int, int]]:
    return []


@pytest.fixture(scope="session")
def run_report(
    run_dir: Path,
    report_options: ReportOptions,
    tmp_path_factory: pytest.TempPathFactory,
    progress_calls: list[tuple[str, int, int]],
) -> Report:
    out = tmp_path_factory.mktemp("run-report")
    return build_report(run_dir, out, report_options, lambda *call: progress_calls.append(call))


@pytest.fixture(scope="session")
def compare_report(
    compare_dir: Path, report_options: ReportOptions, tmp_path_factory: pytest.TempPathFactory
) -> Report:
    return build_report(compare_dir, tmp_path_factory.mktemp("compare-report"), report_options)
