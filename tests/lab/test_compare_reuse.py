"""``lenetlab compare`` into a folder that already holds runs: reuse them only if they match."""

from __future__ import annotations

import pytest

from lenetlab.cli.main import main


@pytest.fixture(autouse=True)
def one_thread(one_torch_thread):
    """Every test here runs on one PyTorch thread."""


@pytest.fixture
def compare(datasets_dir):
    def run(out, *options: str) -> int:
        return main(
            ["-q", "compare", "--rules", "backprop", "--limit", "300"]
            + ["--data-dir", str(datasets_dir), "--no-download", "--out", str(out), *options]
        )

    return run


def test_compare_refuses_runs_trained_with_other_settings(compare, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert compare(out, "--epochs", "1", "--seeds", "1", "--threads", "1") == 0
    results = (out / "results.md").read_text()
    capsys.readouterr()

    code = compare(out, "--epochs", "2", "--seeds", "1", "--threads", "1")

    assert code == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"lenetlab: error: {out / 'backprop-seed0'} ")
    assert "epochs 1 (asked: 2)" in error and "\n" not in error
    assert (out / "results.md").read_text() == results


def test_compare_reuses_matching_runs_whatever_the_thread_count(compare, tmp_path):
    out = tmp_path / "cmp"
    assert compare(out, "--epochs", "1", "--seeds", "1", "--threads", "1") == 0
    weights = (out / "backprop-seed0" / "last.safetensors").read_bytes()

    assert compare(out, "--epochs", "1", "--seeds", "1") == 0

    assert (out / "backprop-seed0" / "last.safetensors").read_bytes() == weights
    assert "| backprop | lenet5 |" in (out / "results.md").read_text()
