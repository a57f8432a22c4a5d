"""Run the real ``lenetlab`` command in a subprocess, on real MNIST, with an isolated cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import QUICK_RECIPE

# A short, real training run: enough to land far above chance in seconds.
QUICK = [
    *("--limit", "8000", "--epochs", "2", "--threads", "1", "--no-progress"),
    *("--batch-size", str(QUICK_RECIPE["batch_size"]), "--lr", str(QUICK_RECIPE["lr"])),
]


@pytest.fixture(scope="session")
def cli_env(datasets_dir, tmp_path_factory) -> dict[str, str]:
    env = dict(os.environ)
    env["LENETLAB_DATA"] = str(datasets_dir)
    env["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    return env


@pytest.fixture
def lenetlab(cli_env):
    """Call the CLI as a user would; returns the CompletedProcess."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 300):
        return subprocess.run(
            [sys.executable, "-m", "lenetlab.cli.main", *map(str, args)],
            capture_output=True,
            text=True,
            env=env or cli_env,
            timeout=timeout,
        )

    return run


@pytest.fixture(scope="session")
def trained_run(cli_env, tmp_path_factory) -> Path:
    """One quick run shared by the tests that only read a trained model."""
    out = tmp_path_factory.mktemp("runs") / "quick"
    done = subprocess.run(
        [sys.executable, "-m", "lenetlab.cli.main", "train", *QUICK, "--out", str(out)],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return out


def read_metrics(run: Path) -> list[dict]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    for row in rows:
        row.pop("seconds")  # wall time is the one thing allowed to differ
    return rows
