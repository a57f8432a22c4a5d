"""Small PNG files written directly from uint8 arrays.

The web page gets three small pictures with every answer (the 28x28 input and
two feature-map tiles). Pillow's ``save`` spends about 0.25-0.5 ms per call
in Python before and around zlib, most of a request's budget; writing the
four chunks of a plain 8-bit PNG here takes 20-100 us for the same bytes.
Pillow still reads these files back in the tests, as any browser would.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"

# PNG colour types by the number of channels of the array.
COLOUR_TYPES = {1: 0, 3: 2, 4: 6}  # grey, RGB, RGBA


def encode_png(pixels: np.ndarray, compress_level: int = 6) -> bytes:
    """An ``(H, W)`` grey or ``(H, W, 3|4)`` RGB(A) uint8 array as the bytes of a PNG file.

    Every row uses filter 0 (none): for pictures this small, choosing filters
    per row would cost more time than the few bytes it saves.
    """
    if pixels.dtype != np.uint8:
        raise ValueError(f"encode_png takes uint8 pixels, got {pixels.dtype}")
    channels = 1 if pixels.ndim == 2 else pixels.shape[2] if pixels.ndim == 3 else 0
    if channels not in COLOUR_TYPES or min(pixels.shape[:2], default=0) < 1:
        raise ValueError(f"expected (H, W), (H, W, 3) or (H, W, 4) pixels, got {pixels.shape}")
    height, width = pixels.shape[:2]

    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)  # a 0 filter byte per row
    rows[:, 1:] = pixels.reshape(height, width * channels)

    header = struct.pack(">IIBBBBB", width, height, 8, COLOUR_TYPES[channels], 0, 0, 0)
    return b"".join(
        (
            SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), compress_level)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    """Length, type, data and the CRC of type and data, as the PNG specification lays out."""
    crc = zlib.crc32(data, zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
