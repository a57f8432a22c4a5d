"""A checkpoint whose header or tensors were edited gets a one-line error, never a traceback."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from lenetlab.cli.main import main
from lenetlab.training.config import TrainConfig
from lenetlab.training.loop import train
from tests.conftest import QUICK_RECIPE
from tests.interrupt import KillAfterFirstEpoch, Killed


@pytest.fixture
def unfinished(datasets_dir, tmp_path, one_torch_thread):
    """A 2-epoch run killed after its first checkpoint."""
    out = tmp_path / "run"
    config = TrainConfig(
        **QUICK_RECIPE, epochs=2, limit=300, threads=1, data_dir=str(datasets_dir), download=False
    )
    with pytest.raises(Killed):
        train(config, out, reporter=KillAfterFirstEpoch())
    return out


def rewrite(path, edit_meta=None, edit_tensors=None) -> None:
    """Save ``path`` again with its metadata and tensors changed, as a hand edit would."""
    with safe_open(str(path), framework="pt") as f:
        header = f.metadata()
        tensors = {name: f.get_tensor(name) for name in f.keys()}
    meta = json.loads(header["lenetlab"])
    if edit_meta:
        edit_meta(meta)
    if edit_tensors:
        edit_tensors(tensors)
    save_file(tensors, str(path), metadata={**header, "lenetlab": json.dumps(meta)})


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert err.count("\n") == 0, err
    return err


def resume(run) -> int:
    return main(["train", "--out", str(run), "--resume", "--no-progress"])


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda meta: meta.pop("config"), "metadata field 'config' should be an object, got None"),
        (lambda meta: meta.update(epoch="1"), "metadata field 'epoch' should be a whole number"),
    ],
)
def test_resume_names_a_missing_or_mistyped_setting(unfinished, capsys, edit, expected):
    rewrite(unfinished / "last.safetensors", edit_meta=edit)

    assert resume(unfinished) != 0
    assert expected in one_error_line(capsys)


def test_a_mistyped_format_version_is_named_by_every_command(unfinished, capsys):
    last = unfinished / "last.safetensors"
    rewrite(last, edit_meta=lambda meta: meta.update(format_version="2"))
    expected = "metadata field 'format_version' should be a whole number, got '2'"

    assert resume(unfinished) != 0
    assert expected in one_error_line(capsys)
    assert main(["evaluate", str(last), "--no-download"]) != 0
    assert expected in one_error_line(capsys)


def test_resume_refuses_weights_of_another_architecture(unfinished, capsys):
    last = unfinished / "last.safetensors"
    rewrite(last, edit_meta=lambda meta: meta.update(arch="lenet5-wide"))

    assert resume(unfinished) != 0
    assert "architecture 'lenet5-wide' needs (32,)" in one_error_line(capsys)


def test_resume_refuses_non_finite_raw_weights(unfinished, capsys):
    def poison(tensors):
        tensors["raw.fc2.weight"] = torch.full_like(tensors["raw.fc2.weight"], float("nan"))

    rewrite(unfinished / "last.safetensors", edit_tensors=poison)

    assert resume(unfinished) != 0
    message = one_error_line(capsys)
    assert "(raw): weight fc2.weight holds NaN" in message
    assert "diverged" not in message


def test_resume_refuses_a_damaged_random_state(unfinished, capsys):
    def damage(tensors):
        tensors["rng.torch"] = torch.zeros(3, dtype=torch.uint8)

    rewrite(unfinished / "last.safetensors", edit_tensors=damage)

    assert resume(unfinished) != 0
    assert "cannot resume from it" in one_error_line(capsys)
