"""The IDX reader: round trips, and one specific message for each kind of damage."""

from __future__ import annotations

import gzip
import hashlib
import re

import numpy as np
import pytest
from idx_writer import idx_bytes, write_idx

from lenetlab.data.idx import idx_sha256, read_idx, read_idx_bytes
from lenetlab.errors import DataError

IMAGES = np.arange(3 * 28 * 28, dtype=np.uint32).reshape(3, 28, 28).astype(np.uint8)
LABELS = np.array([7, 2, 1], dtype=np.uint8)


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("values", [IMAGES, LABELS], ids=["images", "labels"])
def test_round_trip(tmp_path, values, compress):
    path = write_idx(tmp_path / "file", values, compress=compress)
    read = read_idx(path, ndim=values.ndim)
    assert read.dtype == np.uint8
    assert read.shape == values.shape
    np.testing.assert_array_equal(read, values)
    read[0] = 0  # writable, as torch.from_numpy needs


def test_compression_is_detected_by_content_not_name(tmp_path):
    raw_named_gz = write_idx(tmp_path / "labels.gz", LABELS, compress=False)
    gz_named_raw = write_idx(tmp_path / "labels", LABELS, compress=True)
    np.testing.assert_array_equal(read_idx(raw_named_gz), LABELS)
    np.testing.assert_array_equal(read_idx(gz_named_raw), LABELS)


def test_sha256_is_of_the_decompressed_bytes(tmp_path):
    expected = hashlib.sha256(idx_bytes(IMAGES)).hexdigest()
    assert idx_sha256(write_idx(tmp_path / "a.gz", IMAGES)) == expected
    assert idx_sha256(write_idx(tmp_path / "a", IMAGES, compress=False)) == expected


def write_bytes(tmp_path, data: bytes, name: str = "train-images-idx3-ubyte.gz"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_truncated_gzip(tmp_path):
    whole = gzip.compress(idx_bytes(IMAGES))
    path = write_bytes(tmp_path, whole[: len(whole) // 2])
    with pytest.raises(DataError, match=r"gzip data ends early \(truncated file\?\)") as info:
        read_idx(path)
    assert str(info.value).startswith(str(path))


def test_gzip_checksum_error(tmp_path):
    whole = bytearray(gzip.compress(idx_bytes(IMAGES)))
    whole[-8] ^= 0xFF  # the CRC-32 in the gzip trailer
    path = write_bytes(tmp_path, bytes(whole))
    with pytest.raises(DataError, match=r"corrupt gzip data \(CRC check failed"):
        read_idx(path)


def test_damaged_deflate_stream(tmp_path):
    whole = bytearray(gzip.compress(idx_bytes(IMAGES)))
    whole[10:20] = bytes(10)  # zero the start of the compressed data
    path = write_bytes(tmp_path, bytes(whole))
    message = (
        r"corrupt gzip data \(Error -3 while decompressing data: invalid stored block lengths\)$"
    )
    with pytest.raises(DataError, match=message):
        read_idx(path)


def test_truncated_payload(tmp_path):
    path = write_bytes(tmp_path, idx_bytes(IMAGES)[:-100], name="images")
    message = (
        rf"^{re.escape(str(path))}: truncated; holds 2252 of the 2352 data bytes "
        r"that its dimensions 3x28x28 need$"
    )
    with pytest.raises(DataError, match=message):
        read_idx(path)


def test_trailing_bytes(tmp_path):
    path = write_bytes(tmp_path, gzip.compress(idx_bytes(LABELS) + b"\x00\x01"))
    with pytest.raises(DataError, match=r"2 unexpected trailing bytes after the 3 data bytes"):
        read_idx(path)


def test_wrong_magic(tmp_path):
    data = bytearray(idx_bytes(LABELS))
    data[0] = 0x08
    path = write_bytes(tmp_path, bytes(data))
    with pytest.raises(DataError, match=r"not an IDX file \(magic number 0x08000801 should start"):
        read_idx(path)


def test_unsupported_type_code(tmp_path):
    data = bytearray(idx_bytes(LABELS))
    data[2] = 0x0D  # float32
    path = write_bytes(tmp_path, bytes(data))
    with pytest.raises(DataError, match=r"IDX type code 0x0d is not supported \(only 0x08"):
        read_idx(path)


def test_wrong_number_of_dimensions(tmp_path):
    path = write_idx(tmp_path / "labels.gz", LABELS)
    with pytest.raises(DataError, match=r"labels.gz: IDX header gives 1 dimensions; expected 3$"):
        read_idx(path, ndim=3)


def test_zero_dimensions(tmp_path):
    path = write_bytes(tmp_path, bytes([0, 0, 8, 0]))
    with pytest.raises(DataError, match=r"IDX header gives 0 dimensions; expected 1 to 4"):
        read_idx(path)


def test_header_cut_short(tmp_path):
    path = write_bytes(tmp_path, idx_bytes(IMAGES)[:10])
    with pytest.raises(DataError, match=r"header ends early \(10 of 16 bytes\)"):
        read_idx(path)


def test_html_saved_as_gz(tmp_path):
    page = b"\n<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n"
    path = write_bytes(tmp_path, page)
    message = (
        rf"^{re.escape(str(path))}: looks like an HTML page, not IDX data \(a failed download\?\)$"
    )
    with pytest.raises(DataError, match=message):
        read_idx(path)


def test_empty_file(tmp_path):
    path = write_bytes(tmp_path, b"")
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}: file is empty$"):
        read_idx(path)


def test_random_binary_file(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, size=4096, dtype=np.uint8).tobytes()
    path = write_bytes(tmp_path, b"\xff" + noise)
    with pytest.raises(DataError, match=r"not an IDX file \(magic number 0xff"):
        read_idx(path)


def test_missing_file(tmp_path):
    path = tmp_path / "absent.gz"
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}: no such file$"):
        read_idx(path)


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(DataError, match=rf"^{re.escape(str(tmp_path))}: cannot read"):
        read_idx(tmp_path)


def test_decompression_bomb_is_refused(tmp_path):
    path = write_bytes(tmp_path, gzip.compress(bytes(10_000)))
    with pytest.raises(DataError, match=r"decompresses to more than 1000 bytes; not IDX data"):
        read_idx_bytes(path, max_bytes=1000)


def test_every_message_is_one_line(tmp_path):
    noise = np.random.default_rng(1).integers(0, 256, size=(20, 300), dtype=np.uint8)
    for row, garbage in enumerate(noise):
        path = write_bytes(tmp_path, b"\x1f\x8b\x08\x00" + garbage.tobytes(), name=f"{row}.gz")
        with pytest.raises(DataError) as info:
            read_idx(path)
        assert "\n" not in str(info.value)
        assert str(info.value).startswith(str(path))
