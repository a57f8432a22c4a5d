"""Finding the files: lookup order, the layouts people already have, and damaged copies."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest
from idx_writer import write_idx

from lenetlab.data import get_dataset_info, locate_dataset
from lenetlab.errors import DataError

MNIST = get_dataset_info("mnist")
FILE_NAMES = [spec.name for spec in MNIST.files.values()]
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def link_files(source: Path, directory: Path, names=FILE_NAMES) -> Path:
    """Symlink the real files into ``directory``, so every test shares one verification."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / name).symlink_to(source / name)
    return directory


@pytest.fixture
def roots(tmp_path, monkeypatch, isolated_lookup):
    """Four empty lookup roots: --data-dir, $LENETLAB_DATA, the user cache, the system folder."""
    folders = {
        "data_dir": tmp_path / "data-dir",
        "LENETLAB_DATA": tmp_path / "env",
        "cache": isolated_lookup,
        "system": tmp_path / "usr-share-datasets",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("LENETLAB_DATA", str(folders["LENETLAB_DATA"]))
    return folders


def locate(roots, **options):
    options = {"download": False, **options}
    return locate_dataset("mnist", roots["data_dir"], system_dir=roots["system"], **options)


@pytest.mark.parametrize("winner", ["data_dir", "LENETLAB_DATA", "cache", "system"])
def test_lookup_order(roots, mnist_dir, winner):
    order = list(roots)
    for source in order[order.index(winner) :]:
        link_files(mnist_dir, roots[source] / "mnist")

    files = locate(roots)

    assert files.source == winner
    assert files.directory == roots[winner] / "mnist"
    assert files.paths["train_images"] == roots[winner] / "mnist" / "train-images-idx3-ubyte.gz"
    assert files.dataset.name == "mnist"


def test_files_directly_in_the_data_dir(roots, mnist_dir):
    link_files(mnist_dir, roots["data_dir"])
    assert locate(roots).directory == roots["data_dir"]


def test_torchvision_layout(roots, mnist_dir):
    link_files(mnist_dir, roots["data_dir"] / "MNIST" / "raw")
    assert locate(roots).directory == roots["data_dir"] / "MNIST" / "raw"


def test_gunzipped_files_mixed_with_compressed(roots, mnist_dir):
    folder = roots["data_dir"] / "mnist"
    link_files(mnist_dir, folder, names=["train-images-idx3-ubyte.gz"])
    for name in FILE_NAMES[1:]:
        raw = folder / name.removesuffix(".gz")
        raw.write_bytes(gzip.decompress((mnist_dir / name).read_bytes()))

    files = locate(roots)

    assert files.paths["train_images"].name == "train-images-idx3-ubyte.gz"
    assert files.paths["test_labels"].name == "t10k-labels-idx1-ubyte"


def test_an_incomplete_folder_is_passed_over(roots, mnist_dir):
    link_files(mnist_dir, roots["data_dir"] / "mnist", names=FILE_NAMES[:3])
    link_files(mnist_dir, roots["cache"] / "mnist")
    assert locate(roots).source == "cache"


def test_truncated_cached_file_is_caught(roots, mnist_dir):
    folder = link_files(mnist_dir, roots["cache"] / "mnist", names=FILE_NAMES[1:])
    whole = (mnist_dir / FILE_NAMES[0]).read_bytes()
    (folder / FILE_NAMES[0]).write_bytes(whole[: len(whole) // 3])

    with pytest.raises(DataError) as info:
        locate(roots)

    message = str(info.value)
    assert message.startswith(str(folder / FILE_NAMES[0]))
    assert "gzip data ends early (truncated file?)" in message
    assert message.endswith("delete it to download it again, or replace it with a good copy")


def test_stale_cached_file_is_caught(roots, mnist_dir):
    folder = link_files(mnist_dir, roots["cache"] / "mnist", names=FILE_NAMES[:3])
    labels = np.zeros(10_000, dtype=np.uint8)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels)

    pattern = (
        rf"^{re.escape(str(folder))}/t10k-labels-idx1-ubyte.gz: is not mnist's "
        r"t10k-labels-idx1-ubyte \(SHA-256 of its data is [0-9a-f]{12}\.\.\., expected "
        r"ff7bcfd416de\.\.\.\), a stale or damaged copy; delete it to download it again"
    )
    with pytest.raises(DataError, match=pattern):
        locate(roots)


def test_fashion_files_where_mnist_was_meant(roots):
    if not FASHION_DIR.is_dir():
        pytest.skip("Debian's dataset-fashion-mnist package is not installed")
    link_files(FASHION_DIR, roots["data_dir"] / "mnist")
    with pytest.raises(
        DataError, match=r"holds fashion-mnist's train-images-idx3-ubyte, not mnist's"
    ):
        locate(roots)


def test_fashion_mnist_from_the_system_folder(roots):
    if not FASHION_DIR.is_dir():
        pytest.skip("Debian's dataset-fashion-mnist package is not installed")
    files = locate_dataset("fashion-mnist", download=False, system_dir=FASHION_DIR.parent)
    assert files.source == "system"
    assert files.directory == FASHION_DIR


def test_nothing_found_without_download(roots):
    with pytest.raises(DataError) as info:
        locate(roots)

    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("mnist not found under ")
    for folder in roots.values():
        assert str(folder) in message
    assert "downloads are off" in message
    for name in FILE_NAMES:
        assert name in message
    assert message.endswith(f"place them in {roots['data_dir'] / 'mnist'}")


def test_a_data_dir_that_is_a_file_is_not_offered_as_the_place(roots, caplog):
    readme = roots["data_dir"] / "README.md"
    readme.write_text("not a folder")

    with pytest.raises(DataError) as info:
        locate_dataset("mnist", readme, system_dir=roots["system"], download=False)

    assert "is not a folder" in caplog.text
    assert str(info.value).endswith(f"place them in {roots['cache'] / 'mnist'}")


def test_nothing_found_and_no_mirror_answers(roots, refused_url, caplog):
    with pytest.raises(DataError) as info:
        locate(roots, download=True, mirrors=[refused_url], timeout=2)

    message = str(info.value)
    assert message.startswith("mnist not found under ")
    assert "could not download mnist's train-images-idx3-ubyte.gz from any mirror" in message
    assert message.endswith(f"place them in {roots['data_dir'] / 'mnist'}")
    assert "connection refused" in caplog.text


def test_download_goes_to_the_cache_without_a_data_dir(mirror_server, mnist_dir, tmp_path):
    mirror = mirror_server.serve_folder("mnist", mnist_dir)
    cache = tmp_path / "cache"

    files = locate_dataset("mnist", cache_dir=cache, system_dir=tmp_path / "none", mirrors=[mirror])

    assert files.source == "download"
    assert files.directory == cache / "mnist"
    assert sorted(path.name for path in files.directory.iterdir()) == sorted(FILE_NAMES)

    # a second lookup finds the download in the cache
    again = locate_dataset("mnist", cache_dir=cache, system_dir=tmp_path / "none", download=False)
    assert again.source == "cache"
