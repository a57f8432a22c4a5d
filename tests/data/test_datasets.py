"""The data set registry, checked against the checksums shipped beside the real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from lenetlab.data import ROLES, dataset_names, get_dataset_info
from lenetlab.data.verify import content_sha256
from lenetlab.errors import DataError

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


def test_known_names():
    assert dataset_names() == ["fashion-mnist", "mnist"]


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(
        DataError, match=r"^unknown data set 'kmnist'; known data sets: fashion-mnist, mnist$"
    ):
        get_dataset_info("kmnist")


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_every_entry_is_complete(name):
    info = get_dataset_info(name)
    assert tuple(info.files) == ROLES
    assert [spec.count for spec in info.files.values()] == [60_000, 60_000, 10_000, 10_000]
    assert all(spec.name.endswith("-ubyte.gz") for spec in info.files.values())
    assert all(len(spec.md5) == 32 and len(spec.sha256) == 64 for spec in info.files.values())
    assert info.num_classes == 10
    assert len(info.mirrors) >= 2
    assert all(url.endswith("/") for url in info.mirrors)


def test_mnist_checksums_match_the_shared_sums_file(mnist_dir):
    sums = {}
    for line in (mnist_dir / "SHA256SUMS.raw").read_text().splitlines():
        digest, name = line.split()
        sums[name] = digest
    assert get_dataset_info("mnist").checksums == sums


def test_fashion_checksums_match_the_debian_files():
    if not FASHION_DIR.is_dir():
        pytest.skip("Debian's dataset-fashion-mnist package is not installed")
    info = get_dataset_info("fashion-mnist")
    for spec in info.files.values():
        assert content_sha256(FASHION_DIR / spec.name) == spec.sha256
