"""``train --resume`` and ``train --out``: what a run folder may hold, and which options win.

These call the command in-process on a few hundred examples, so each costs an
epoch of a second or two. A run stopped after its first epoch stands in for a
killed one.
"""

from __future__ import annotations

import json

import pytest

from lenetlab.cli.main import main
from lenetlab.training.checkpoint import load_checkpoint, save_checkpoint
from lenetlab.training.config import TrainConfig
from lenetlab.training.loop import train
from tests.conftest import QUICK_RECIPE
from tests.interrupt import KillAfterFirstEpoch, Killed

TINY = ["--limit", "300", "--threads", "1", "--no-progress"]


@pytest.fixture(autouse=True)
def one_thread(one_torch_thread):
    """Every test here runs on one PyTorch thread."""


@pytest.fixture
def half_run(datasets_dir, tmp_path):
    """A 2-epoch run stopped after epoch 1, with --data-dir given and the other options unset."""
    out = tmp_path / "half"
    config = TrainConfig(**QUICK_RECIPE, epochs=2, limit=300, data_dir=str(datasets_dir))
    with pytest.raises(Killed):
        train(config, out, reporter=KillAfterFirstEpoch())
    return out


def saved_config(run) -> dict:
    return load_checkpoint(run / "last.safetensors").meta["config"]


def error_line(capsys) -> str:
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1, errors
    return errors[0]


def test_resume_takes_data_dir_download_and_threads_from_the_command_line(
    half_run, datasets_dir, tmp_path
):
    moved = tmp_path / "moved"
    moved.symlink_to(datasets_dir, target_is_directory=True)

    code = main(
        ["train", "--out", str(half_run), "--resume", "--data-dir", str(moved), "--no-download"]
        + ["--threads", "1", "--no-progress"]
    )

    assert code == 0
    config = saved_config(half_run)
    assert (config["data_dir"], config["download"], config["threads"]) == (str(moved), False, 1)
    assert load_checkpoint(half_run / "last.safetensors").meta["epoch"] == 2


def test_resume_refuses_options_typed_at_their_default_that_differ_from_the_run(
    datasets_dir, tmp_path, capsys
):
    out = tmp_path / "seed3"
    config = TrainConfig(
        **QUICK_RECIPE,
        rule="sign-symmetry",
        seed=3,
        epochs=2,
        limit=300,
        data_dir=str(datasets_dir),
    )
    with pytest.raises(Killed):
        train(config, out, reporter=KillAfterFirstEpoch())

    code = main(["train", "--out", str(out), "--resume", "--rule", "backprop", "--seed", "0"])

    assert code != 0
    message = error_line(capsys)
    assert "--rule backprop (run: sign-symmetry)" in message
    assert "--seed 0 (run: 3)" in message
    assert load_checkpoint(out / "last.safetensors").meta["epoch"] == 1


def test_resume_accepts_options_equal_to_the_run(half_run):
    code = main(
        ["train", "--out", str(half_run), "--resume", "--rule", "backprop", "--seed", "0"]
        + ["--no-progress"]
    )

    assert code == 0
    assert load_checkpoint(half_run / "last.safetensors").meta["epoch"] == 2


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{broken", "not JSON"),
        ("[1, 2]", "expected one JSON object per epoch"),
        ('{"epoch": "one"}', "'epoch' must be a whole number from 1, got 'one'"),
    ],
)
def test_resume_names_a_hand_edited_metrics_line(half_run, capsys, line, problem):
    metrics = half_run / "metrics.jsonl"
    edited = metrics.read_text() + line + "\n"
    metrics.write_text(edited)

    code = main(["train", "--out", str(half_run), "--resume", "--no-progress"])

    assert code != 0
    assert f"{metrics}, line 2: {problem}" in error_line(capsys)
    assert metrics.read_text() == edited  # the user's file is left as it was


def test_resume_keeps_the_saved_data_dir_when_none_is_given(half_run, datasets_dir):
    code = main(["train", "--out", str(half_run), "--resume", "--no-progress"])

    assert code == 0
    config = saved_config(half_run)
    assert (config["data_dir"], config["download"], config["threads"]) == (
        str(datasets_dir),
        True,
        None,
    )


def test_resume_checks_options_against_the_checkpoint_when_last_json_is_missing(half_run, capsys):
    (half_run / "last.json").unlink()

    code = main(["train", "--out", str(half_run), "--resume", "--epochs", "6", "--no-progress"])

    assert code == 1
    assert "--epochs 6 (run: 2)" in error_line(capsys)
    assert load_checkpoint(half_run / "last.safetensors").meta["epoch"] == 1


def test_resume_ignores_a_corrupt_last_json(half_run, capsys):
    (half_run / "last.json").write_text('{"config": ')

    refused = main(["train", "--out", str(half_run), "--resume", "--epochs", "6"])
    assert refused == 1
    assert "--epochs 6 (run: 2)" in error_line(capsys)

    assert main(["train", "--out", str(half_run), "--resume", "--no-progress"]) == 0
    assert json.loads((half_run / "last.json").read_text())["epoch"] == 2


def test_resume_from_a_damaged_checkpoint_is_a_one_line_error(half_run, capsys):
    last = half_run / "last.safetensors"
    last.write_bytes(last.read_bytes()[:100])

    code = main(["train", "--out", str(half_run), "--resume", "--no-progress"])

    assert code == 1
    line = error_line(capsys)
    assert str(last) in line and "not a lenetlab checkpoint" in line


@pytest.mark.parametrize("resume", [[], ["--resume"]])
def test_train_refuses_a_folder_holding_files_of_its_own_name(tmp_path, capsys, resume):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "metrics.jsonl").write_text('{"loss": 0.1}\n')
    (mine / "best.json").write_text('{"mine": true}\n')

    code = main(["train", *TINY, "--epochs", "1", "--out", str(mine), *resume])

    assert code == 1
    line = error_line(capsys)
    assert str(mine) in line and "best.json, metrics.jsonl" in line
    assert (mine / "metrics.jsonl").read_text() == '{"loss": 0.1}\n'
    assert (mine / "best.json").read_text() == '{"mine": true}\n'
    assert sorted(p.name for p in mine.iterdir()) == ["best.json", "metrics.jsonl"]


def test_train_refuses_a_folder_that_is_not_empty(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")

    code = main(["train", *TINY, "--epochs", "1", "--out", str(mine)])

    assert code == 1
    assert "notes.txt" in error_line(capsys)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_train_into_an_empty_existing_folder(datasets_dir, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()

    code = main(
        ["train", *TINY, "--epochs", "1", "--data-dir", str(datasets_dir), "--out", str(empty)]
    )

    assert code == 0
    assert (empty / "last.safetensors").is_file()


@pytest.mark.parametrize("value", ["float16", 1, None])
def test_resume_names_the_file_of_a_hand_edited_saved_setting(half_run, capsys, value):
    last = half_run / "last.safetensors"
    state = load_checkpoint(last)
    state.meta = {**state.meta, "config": {**state.meta["config"], "precision": value}}
    save_checkpoint(last, state)
    before = last.read_bytes()

    code = main(["train", "--out", str(half_run), "--resume", "--no-progress"])

    assert code == 1
    line = error_line(capsys)
    assert str(last) in line and "config" in line and "precision" in line
    assert last.read_bytes() == before


def test_resume_with_precision_auto_says_what_auto_means_here(half_run, capsys):
    last = half_run / "last.safetensors"
    state = load_checkpoint(last)
    other = "float32" if state.meta["config"]["precision"] == "bfloat16" else "bfloat16"
    state.meta = {**state.meta, "config": {**state.meta["config"], "precision": other}}
    save_checkpoint(last, state)

    code = main(["train", "--out", str(half_run), "--resume", "--precision", "auto"])

    assert code != 0
    here = TrainConfig(precision="auto").precision
    assert f"--precision auto ({here} here) (run: {other})" in error_line(capsys)
