"""Downloads from a local server: mirror fallback, one warning per failure, nothing partial left.

Most tests serve a tiny made-up data set whose checksums they compute, so each
runs in milliseconds; two serve the real files.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import logging
import time
from pathlib import Path

import numpy as np
import pytest
from idx_writer import idx_bytes, md5_of, sha256_of_data, write_idx

from lenetlab.data import ROLES, IdxFile, download_dataset, get_dataset_info, read_idx
from lenetlab.errors import DataError

LOGGER = "lenetlab.data.download"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def tiny(tmp_path):
    """A made-up data set of 4 images and 2 test images, served files in ``tiny/``."""
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8),
        "train_labels": np.array([0, 1, 2, 3], dtype=np.uint8),
        "test_images": rng.integers(0, 256, size=(2, 28, 28), dtype=np.uint8),
        "test_labels": np.array([9, 8], dtype=np.uint8),
    }
    mnist = get_dataset_info("mnist")
    folder = tmp_path / "served"
    folder.mkdir()
    files = {}
    for role in ROLES:
        name = mnist.files[role].name
        path = write_idx(folder / name, arrays[role])
        files[role] = IdxFile(name, md5_of(path), sha256_of_data(arrays[role]), len(arrays[role]))
    info = dataclasses.replace(mnist, name="tiny", files=files, mirrors=())
    return info, folder, arrays


def warnings_of(caplog) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING
    ]


def test_falls_back_to_the_third_mirror(tiny, mirror_server, tmp_path, caplog):
    info, served, arrays = tiny
    html = b"<!doctype html><html><body>Moved</body></html>"
    for spec in info.files.values():
        mirror_server.answer(f"/html/{spec.name}", html)
    good = mirror_server.serve_folder("good", served)
    mirrors = [f"{mirror_server.base_url}/missing/", f"{mirror_server.base_url}/html/", good]
    target = tmp_path / "target"

    paths = download_dataset(info, target, mirrors=mirrors, timeout=5)

    assert sorted(p.name for p in target.iterdir()) == sorted(s.name for s in info.files.values())
    for role in ROLES:
        np.testing.assert_array_equal(read_idx(paths[role]), arrays[role])
    assert warnings_of(caplog) == [
        f"{mirrors[0]}train-images-idx3-ubyte.gz: HTTP 404 Not Found; trying the next mirror",
        (
            f"{mirrors[1]}train-images-idx3-ubyte.gz: served an HTML page, not gzip data; "
            "trying the next mirror"
        ),
    ]
    # failed mirrors are dropped, so the other three files come straight from the good one
    assert len(mirror_server.requests) == 6


def test_corrupt_and_wrong_files_are_refused(tiny, mirror_server, tmp_path, caplog):
    info, served, _ = tiny
    name = info.files["train_labels"].name
    whole = (served / name).read_bytes()
    mirror_server.answer(f"/cut/{name}", whole[:-12])
    other = gzip.compress(idx_bytes(np.array([5, 5, 5, 5], dtype=np.uint8)))
    mirror_server.answer(f"/other/{name}", other)
    good = mirror_server.serve_folder("good", served)
    mirrors = [good.replace("good", "cut"), good.replace("good", "other"), good]

    download_dataset(info, tmp_path / "target", mirrors=[good], timeout=5)
    (tmp_path / "target" / name).unlink()
    download_dataset(info, tmp_path / "target", mirrors=mirrors, timeout=5)

    assert warnings_of(caplog) == [
        f"{mirrors[0]}{name}: gzip data ends early (truncated file?); trying the next mirror",
        (
            f"{mirrors[1]}{name}: checksum mismatch (MD5 {hashlib.md5(other).hexdigest()}, "
            f"published {info.files['train_labels'].md5}); trying the next mirror"
        ),
    ]


def test_recompressed_copy_of_the_right_data_is_accepted(tiny, mirror_server, tmp_path, caplog):
    info, served, arrays = tiny
    for role in ROLES:
        path = served / info.files[role].name
        path.write_bytes(gzip.compress(idx_bytes(arrays[role]), compresslevel=1, mtime=12345))
        assert md5_of(path) != info.files[role].md5
    mirror = mirror_server.serve_folder("recompressed", served)

    download_dataset(info, tmp_path / "target", mirrors=[mirror], timeout=5)

    assert warnings_of(caplog) == []


def test_every_mirror_failing(tiny, mirror_server, refused_url, tmp_path, caplog):
    info, _, _ = tiny
    mirrors = [refused_url, f"{mirror_server.base_url}/missing/"]
    target = tmp_path / "target"

    with pytest.raises(DataError) as raised:
        download_dataset(info, target, mirrors=mirrors, timeout=5)

    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(
        "could not download tiny's train-images-idx3-ubyte.gz from any mirror"
    )
    assert message.endswith(
        "download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz from "
        f"http://yann.lecun.com/exdb/mnist/ and place them in {target}"
    )
    assert warnings_of(caplog) == [
        f"{refused_url}train-images-idx3-ubyte.gz: connection refused; trying the next mirror",
        f"{mirrors[1]}train-images-idx3-ubyte.gz: HTTP 404 Not Found; trying the next mirror",
    ]
    assert list(target.iterdir()) == []


def test_a_silent_mirror_times_out(tiny, mirror_server, tmp_path, caplog):
    info, served, _ = tiny
    good = mirror_server.serve_folder("good", served)
    for spec in info.files.values():
        mirror_server.answer(f"/slow/{spec.name}", b"", delay=2.0)

    started = time.monotonic()
    download_dataset(
        info, tmp_path / "target", mirrors=[good.replace("good", "slow"), good], timeout=0.3
    )

    assert time.monotonic() - started < 1.5
    slow_url = f"{mirror_server.base_url}/slow/train-images-idx3-ubyte.gz"
    assert warnings_of(caplog) == [f"{slow_url}: timed out; trying the next mirror"]


def test_intact_files_are_kept_and_bad_ones_replaced(tiny, mirror_server, tmp_path, caplog):
    info, served, arrays = tiny
    mirror = mirror_server.serve_folder("good", served)
    target = tmp_path / "target"
    target.mkdir()
    for role in ("train_images", "train_labels"):
        (target / info.files[role].name).write_bytes((served / info.files[role].name).read_bytes())
    (target / info.files["test_labels"].name).write_bytes(b"<html>stale error page</html>")

    download_dataset(info, target, mirrors=[mirror], timeout=5)

    assert sorted(mirror_server.requests) == sorted(
        f"/good/{info.files[role].name}" for role in ("test_images", "test_labels")
    )
    np.testing.assert_array_equal(
        read_idx(target / "t10k-labels-idx1-ubyte.gz"), arrays["test_labels"]
    )
    [warning] = warnings_of(caplog)
    assert warning == (
        f"{target / 't10k-labels-idx1-ubyte.gz'}: looks like an HTML page, not IDX data "
        "(a failed download?); downloading it again"
    )


def test_real_fashion_mnist_from_debian_files(mirror_server, tmp_path, caplog):
    """Debian re-wrote the gzip headers, so this goes through the content check."""
    if not FASHION_DIR.is_dir():
        pytest.skip("Debian's dataset-fashion-mnist package is not installed")
    info = get_dataset_info("fashion-mnist")
    mirror = mirror_server.serve_folder("fashion", FASHION_DIR)

    paths = download_dataset(info, tmp_path / "fashion-mnist", mirrors=[mirror], timeout=10)

    assert sorted(paths) == sorted(ROLES)
    assert warnings_of(caplog) == []


def test_a_tls_failure_moves_on(tiny, mirror_server, tmp_path, caplog):
    info, served, _ = tiny
    good = mirror_server.serve_folder("good", served)
    not_tls = good.replace("http://", "https://")  # the test server speaks plain HTTP

    download_dataset(info, tmp_path / "target", mirrors=[not_tls, good], timeout=5)

    [warning] = warnings_of(caplog)
    assert warning.startswith(f"{not_tls}train-images-idx3-ubyte.gz: TLS failed ([SSL")
    assert warning.endswith("; trying the next mirror")
