"""Read the IDX files that MNIST and Fashion-MNIST are distributed in.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number
of dimensions), one big-endian uint32 per dimension, then the values in C
order. Both data sets store unsigned bytes (type code 0x08): images are
``(N, 28, 28)`` and labels ``(N,)``.

Files are read gzip-compressed or raw whatever their names say, because people
gunzip them and failed downloads leave an HTML page under the ``.gz`` name; the
first bytes decide.

    images = read_idx("train-images-idx3-ubyte.gz", ndim=3)  # uint8, (60000, 28, 28)
    digest = idx_sha256("train-images-idx3-ubyte.gz")  # of the decompressed bytes

Every problem is a :class:`DataError` whose one-line message names the file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import zlib
from pathlib import Path

import numpy as np

from lenetlab.errors import DataError

GZIP_MAGIC = b"\x1f\x8b"
UINT8_TYPE_CODE = 0x08
MAX_DIMS = 4

# The largest file either data set holds is 47 MB decompressed; a cap well above
# that stops a corrupt or hostile file from filling memory (a "gzip bomb").
MAX_BYTES = 256 * 2**20


def looks_like_html(head: bytes) -> bool:
    """Whether the first bytes of a file are an HTML page, such as a mirror's error page."""
    start = head.lstrip()[:1024].lower()
    return start.startswith(b"<") and (b"<html" in start or b"<!doctype html" in start)


def read_idx_bytes(
    path: str | Path, *, label: str | None = None, max_bytes: int = MAX_BYTES
) -> bytes:
    """The decompressed bytes of an IDX file, gzip-compressed or raw.

    ``label`` names the file in error messages (a download names its URL
    rather than its temporary file).
    """
    path = Path(path)
    label = label or str(path)

    # read the whole file: the biggest is 26 MB compressed
    try:
        if path.stat().st_size > max_bytes:
            raise DataError(f"{label}: file is larger than {max_bytes} bytes; not an IDX data file")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{label}: no such file") from None
    except OSError as err:
        raise DataError(f"{label}: cannot read ({err.strerror or err})") from None

    if not raw:
        raise DataError(f"{label}: file is empty")
    if looks_like_html(raw[:1024]):
        raise DataError(f"{label}: looks like an HTML page, not IDX data (a failed download?)")
    if not raw.startswith(GZIP_MAGIC):
        return raw

    # one byte more than the cap tells a bomb from a file exactly at the cap
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(max_bytes + 1)
    except EOFError:
        raise DataError(f"{label}: gzip data ends early (truncated file?)") from None
    except (gzip.BadGzipFile, zlib.error, OSError) as err:
        raise DataError(f"{label}: corrupt gzip data ({_one_line(err)})") from None

    if len(data) > max_bytes:
        raise DataError(f"{label}: decompresses to more than {max_bytes} bytes; not IDX data")
    return data


def parse_idx(data: bytes, label: str, *, ndim: int | None = None) -> np.ndarray:
    """The uint8 array an IDX file's decompressed bytes describe, checked byte for byte.

    ``ndim``, when given, is the number of dimensions the caller expects
    (3 for images, 1 for labels).
    """
    # magic number: 0x00 0x00, type code, number of dimensions
    if len(data) < 4:
        raise DataError(f"{label}: only {len(data)} bytes; too short for an IDX header")
    if data[0] != 0 or data[1] != 0:
        raise DataError(
            f"{label}: not an IDX file (magic number 0x{data[:4].hex()} "
            "should start with two zero bytes)"
        )
    type_code, num_dims = data[2], data[3]
    if type_code != UINT8_TYPE_CODE:
        raise DataError(
            f"{label}: IDX type code 0x{type_code:02x} is not supported (only 0x08, unsigned bytes)"
        )
    if not 1 <= num_dims <= MAX_DIMS:
        raise DataError(
            f"{label}: IDX header gives {num_dims} dimensions; expected 1 to {MAX_DIMS}"
        )
    if ndim is not None and num_dims != ndim:
        raise DataError(f"{label}: IDX header gives {num_dims} dimensions; expected {ndim}")

    # one big-endian uint32 per dimension
    header_size = 4 + 4 * num_dims
    if len(data) < header_size:
        raise DataError(f"{label}: header ends early ({len(data)} of {header_size} bytes)")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=num_dims, offset=4))

    # the payload must be exactly the values the dimensions promise
    expected = math.prod(shape)
    payload = len(data) - header_size
    dims = "x".join(str(d) for d in shape)
    if payload < expected:
        raise DataError(
            f"{label}: truncated; holds {payload} of the {expected} data bytes "
            f"that its dimensions {dims} need"
        )
    if payload > expected:
        raise DataError(
            f"{label}: {payload - expected} unexpected trailing bytes after the {expected} "
            f"data bytes that its dimensions {dims} need"
        )

    # a copy, so the array is writable and torch.from_numpy accepts it
    values = np.frombuffer(data, dtype=np.uint8, offset=header_size)
    return values.reshape(shape).copy()


def read_idx(path: str | Path, *, ndim: int | None = None) -> np.ndarray:
    """Read an IDX file of unsigned bytes into a numpy uint8 array."""
    return parse_idx(read_idx_bytes(path), str(path), ndim=ndim)


def idx_sha256(path: str | Path, *, label: str | None = None) -> str:
    """SHA-256 of a file's decompressed bytes: the same for any gzip re-compression."""
    return hashlib.sha256(read_idx_bytes(path, label=label)).hexdigest()


def _one_line(err: BaseException) -> str:
    """An exception's message squeezed onto one line, for one-line errors."""
    return " ".join(str(err).split()) or type(err).__name__
