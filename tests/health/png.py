"""A strict reader of the PNGs reporting.chart writes: 8-bit RGB, filter type 0 on every row."""

import struct
import zlib

from reporting.chart import PNG_SIGNATURE


def read_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Split a PNG into (type, data) chunks, asserting the signature and every chunk's CRC."""
    assert data[:8] == PNG_SIGNATURE, "PNG signature missing"
    chunks = []
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"CRC mismatch in chunk {kind!r}"
        chunks.append((kind, body))
        offset += 12 + length
    assert offset == len(data), "bytes after the last chunk"
    return chunks


def read_pixels(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int]]]]:
    """Return width, height and the RGB pixels, top row first."""
    chunks = read_chunks(data)
    header = dict(chunks)[b"IHDR"]
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, colour_type, interlace) == (8, 2, 0)
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = 1 + 3 * width
    assert len(raw) == stride * height
    rows = []
    for y in range(height):
        line = raw[y * stride : (y + 1) * stride]
        assert line[0] == 0, f"row {y} uses filter type {line[0]}"
        rows.append([tuple(line[1 + 3 * x : 4 + 3 * x]) for x in range(width)])
    return width, height, rows
