"""Check that a data file on disk holds exactly the data the registry expects.

A stale cache, a truncated copy or Fashion-MNIST where MNIST was meant would
otherwise train quietly on the wrong numbers, so every file lenetlab finds is
checked by the SHA-256 of its decompressed bytes before it is used.

Hashing the four files means decompressing about 55 MB, so each result is
remembered for the life of the process, keyed by the file's real path, size and
modification time: finding the files and then loading them hashes once, and a
file replaced in between gets a new key and is hashed again.

    check_file(path, get_dataset_info("mnist").files["train_images"], "mnist")  # or DataError
"""

from __future__ import annotations

import os
from pathlib import Path

from lenetlab.data.datasets import DATASETS, IdxFile
from lenetlab.data.idx import idx_sha256
from lenetlab.errors import DataError

FIX_HINT = "delete it to download it again, or replace it with a good copy"

_known_digests: dict[tuple[str, int, int], str] = {}


def _key(path: Path) -> tuple[str, int, int]:
    """What identifies one version of a file: real path, size and modification time."""
    stat = path.stat()
    return os.path.realpath(path), stat.st_size, stat.st_mtime_ns


def content_sha256(path: str | Path) -> str:
    """SHA-256 of a file's decompressed bytes, computed once per version of the file."""
    path = Path(path)
    try:
        key = _key(path)
    except OSError:
        return idx_sha256(path)  # raises the DataError that says why it cannot be read
    if key not in _known_digests:
        _known_digests[key] = idx_sha256(path)
    return _known_digests[key]


def remember(path: str | Path, sha256: str) -> None:
    """Record a digest already established, e.g. for a download just checked."""
    _known_digests[_key(Path(path))] = sha256


def file_problem(path: str | Path, spec: IdxFile, dataset: str) -> str | None:
    """What is wrong with ``path`` as ``dataset``'s ``spec``, in one line; None when it is right."""
    try:
        digest = content_sha256(path)
    except DataError as err:
        return str(err)
    if digest == spec.sha256:
        return None

    # name the data it holds when it is another known file, e.g. Fashion-MNIST for MNIST
    for info in DATASETS.values():
        for other in info.files.values():
            if other.sha256 == digest:
                return (
                    f"{path}: holds {info.name}'s {other.raw_name}, not {dataset}'s {spec.raw_name}"
                )
    return (
        f"{path}: is not {dataset}'s {spec.raw_name} (SHA-256 of its data is "
        f"{digest[:12]}..., expected {spec.sha256[:12]}...), a stale or damaged copy"
    )


def check_file(path: str | Path, spec: IdxFile, dataset: str) -> None:
    """Raise a DataError unless ``path`` holds ``spec``'s data, naming the file and the fix."""
    problem = file_problem(path, spec, dataset)
    if problem is not None:
        raise DataError(f"{problem}; {FIX_HINT}")
