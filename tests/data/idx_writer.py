"""Build small IDX files for the data tests, gzip-compressed or raw."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np


def idx_bytes(values: np.ndarray) -> bytes:
    """The IDX encoding of a uint8 array: magic number, big-endian dimensions, values."""
    header = bytes([0, 0, 0x08, values.ndim]) + np.asarray(values.shape, dtype=">u4").tobytes()
    return header + values.astype(np.uint8).tobytes()


def write_idx(path: Path, values: np.ndarray, *, compress: bool = True) -> Path:
    """Write ``values`` as an IDX file at ``path``, gzip-compressed or raw."""
    data = idx_bytes(values)
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


def md5_of(path: Path) -> str:
    """MD5 of a file as served, the checksum a data set's authors publish."""
    return hashlib.md5(path.read_bytes()).hexdigest()


def sha256_of_data(values: np.ndarray) -> str:
    """SHA-256 of the decompressed IDX bytes of ``values``, as the registry records it."""
    return hashlib.sha256(idx_bytes(values)).hexdigest()
