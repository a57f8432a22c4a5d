"""Bad input: one line on stderr, a non-zero exit, no traceback, nothing on disk lost."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def assert_one_line_error(done, *fragments: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("lenetlab: error:")]
    assert len(errors) == 1, done.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def digest_tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def isolated_env(cli_env, tmp_path):
    """No $LENETLAB_DATA and an empty cache: only --data-dir can supply data."""
    env = {k: v for k, v in cli_env.items() if k != "LENETLAB_DATA"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "empty-cache")
    return env


@pytest.fixture
def data_copy(datasets_dir, tmp_path) -> Path:
    """A private copy of MNIST that a test may damage."""
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    for name in FILES:
        shutil.copy(datasets_dir / "mnist" / name, folder / name)
    return folder


def check_damaged(lenetlab, isolated_env, data_copy, name, *fragments):
    before = digest_tree(data_copy)
    done = lenetlab("data", "--data-dir", data_copy.parent, "--no-download", env=isolated_env)
    assert_one_line_error(done, name, *fragments)
    assert digest_tree(data_copy) == before


def test_missing_data_without_download(lenetlab, isolated_env, tmp_path):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    done = lenetlab("data", "--data-dir", empty, "--no-download", env=isolated_env)
    assert_one_line_error(done, "not found", "train-images-idx3-ubyte.gz")
    assert list(empty.iterdir()) == []


def test_truncated_gzip(lenetlab, isolated_env, data_copy):
    path = data_copy / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:5000])
    check_damaged(lenetlab, isolated_env, data_copy, "train-labels-idx1-ubyte.gz")


def test_wrong_magic_number(lenetlab, isolated_env, data_copy):
    path = data_copy / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[2] = 0x0D  # float32 instead of uint8
    path.write_bytes(gzip.compress(bytes(raw)))
    check_damaged(lenetlab, isolated_env, data_copy, "t10k-labels-idx1-ubyte.gz")


def test_checksum_mismatch(lenetlab, isolated_env, data_copy):
    path = data_copy / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[100] = (raw[100] + 1) % 10  # one wrong label, otherwise a valid file
    path.write_bytes(gzip.compress(bytes(raw)))
    check_damaged(lenetlab, isolated_env, data_copy, "t10k-labels-idx1-ubyte.gz")


def test_html_page_saved_as_gz(lenetlab, isolated_env, data_copy):
    page = b"<!DOCTYPE html><html><head><title>Moved</title></head><body>moved</body></html>"
    (data_copy / "train-images-idx3-ubyte.gz").write_bytes(page)
    check_damaged(lenetlab, isolated_env, data_copy, "train-images-idx3-ubyte.gz", "HTML")


def test_unreadable_image(lenetlab, trained_run, tmp_path):
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(200))
    done = lenetlab("predict", trained_run, bad)
    assert_one_line_error(done, str(bad))
    assert bad.stat().st_size == 208


def test_checkpoint_of_another_architecture(lenetlab, trained_run, tmp_path):
    tensors = load_file(trained_run / "best.safetensors")
    tensors["model.conv1.weight"] = torch.zeros(20, 1, 5, 5)
    meta = json.loads((trained_run / "best.json").read_text())
    other = tmp_path / "wider.safetensors"
    save_file(tensors, other, metadata={"lenetlab": json.dumps(meta)})
    done = lenetlab("evaluate", other)
    assert_one_line_error(done, str(other), "conv1.weight")


def test_foreign_safetensors_file(lenetlab, tmp_path):
    other = tmp_path / "encoder.safetensors"
    save_file({"encoder.weight": torch.zeros(3, 3)}, other)
    done = lenetlab("evaluate", other)
    assert_one_line_error(done, str(other), "metadata")


class LeavesAMark:
    """Unpickling this would create a file: proof that a loader ran code."""

    def __init__(self, mark: Path) -> None:
        self.mark = mark

    def __reduce__(self):
        return (Path.touch, (self.mark,))


def test_pickle_passed_as_checkpoint_is_refused_unexecuted(lenetlab, tmp_path):
    mark = tmp_path / "code-ran"
    bad = tmp_path / "model.pt"
    bad.write_bytes(pickle.dumps({"state_dict": LeavesAMark(mark)}))
    torch_file = tmp_path / "torch.pt"
    torch.save({"conv1.weight": torch.zeros(6, 1, 5, 5)}, torch_file)

    for path in (bad, torch_file):
        done = lenetlab("evaluate", path)
        assert_one_line_error(done, str(path), "not a lenetlab checkpoint")
    assert not mark.exists()


def test_zero_epochs_is_an_error_not_the_default(lenetlab, tmp_path):
    done = lenetlab("train", "--epochs", "0", "--out", tmp_path / "zero")
    assert_one_line_error(done, "epochs must be at least 1")
    assert not (tmp_path / "zero").exists()


def test_unknown_architecture_makes_no_folder(lenetlab, tmp_path):
    done = lenetlab("train", "--arch", "resnet", "--out", tmp_path / "arch")
    assert_one_line_error(done, "unknown architecture 'resnet'", "lenet5-1998")
    assert not (tmp_path / "arch").exists()


def test_out_that_is_a_file(lenetlab, tmp_path):
    taken = tmp_path / "notes.txt"
    taken.write_text("keep me")
    done = lenetlab("train", "--limit", "100", "--out", taken)
    assert_one_line_error(done, str(taken))
    assert taken.read_text() == "keep me"


def test_resume_refuses_options_that_contradict_the_run(lenetlab, trained_run):
    before = digest_tree(trained_run)
    done = lenetlab("train", "--out", trained_run, "--resume", "--epochs", "6")
    assert_one_line_error(done, "--epochs 6 (run: 2)")
    assert digest_tree(trained_run) == before


def test_show_input_keeps_both_images_with_one_name(lenetlab, trained_run, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(
            Path(__file__).parents[2] / "examples" / "marker-4.png", tmp_path / folder / "x.png"
        )
    seen = tmp_path / "seen"
    done = lenetlab(
        "predict", trained_run, tmp_path / "a/x.png", tmp_path / "b/x.png", "--show-input", seen
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in seen.iterdir()) == ["x-0.png", "x-2-0.png"]


def test_serve_rejects_an_impossible_port(lenetlab, trained_run):
    done = lenetlab("serve", trained_run, "--port", "99999")
    assert done.returncode == 2
    assert_one_line_error(done, "must be from 0 to 65535", "lenetlab serve --help")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr  # no usage block


def test_a_misspelt_command_gets_one_line_with_the_known_ones(lenetlab):
    done = lenetlab("trian")
    assert done.returncode == 2
    assert_one_line_error(done, "invalid choice: 'trian'", "'train'")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
