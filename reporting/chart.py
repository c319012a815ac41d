"""A PNG bar chart of open exceptions per day, drawn pixel by pixel without a plotting library.

The chart has bars, an x axis and a y axis, and no text: no title, labels or tick values.
The workbook and the asset's metadata carry the numbers; the chart shows their shape.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

BACKGROUND = (255, 255, 255)
AXIS = (64, 64, 64)
BAR = (47, 111, 176)

BAR_WIDTH = 12
BAR_GAP = 4
MARGIN = 10  # pixels between the image border and the axes on every side
PLOT_HEIGHT = 160  # pixels from the x axis to the top of the tallest bar


def bar_heights(values: Sequence[int], plot_height: int = PLOT_HEIGHT) -> list[int]:
    """Scale the values to bar heights in pixels, the maximum value to ``plot_height``.

    Any value above 0 gets at least one pixel, so a single exception stays visible.
    """
    if any(value < 0 for value in values):
        raise ValueError(f"bar values must be 0 or more, got {list(values)}")
    top = max(values, default=0)
    if top == 0:
        return [0 for _ in values]
    return [max(1, round(value * plot_height / top)) if value else 0 for value in values]


def chart_size(bar_count: int) -> tuple[int, int]:
    """Width and height in pixels of a chart with ``bar_count`` bars."""
    width = 2 * MARGIN + 1 + BAR_GAP + bar_count * (BAR_WIDTH + BAR_GAP)
    height = 2 * MARGIN + PLOT_HEIGHT + 1
    return width, height


def bar_left(index: int) -> int:
    """Return the x coordinate of the first pixel column of bar ``index``."""
    return MARGIN + 1 + BAR_GAP + index * (BAR_WIDTH + BAR_GAP)


def render_bar_chart(values: Sequence[int]) -> list[bytearray]:
    """Draw the chart as rows of RGB bytes, top row first.

    The y axis is the pixel column at x = MARGIN and the x axis is the pixel row at
    y = MARGIN + PLOT_HEIGHT; bars stand on the x axis from left to right in ``values`` order.
    """
    width, height = chart_size(len(values))
    pixels = [bytearray(bytes(BACKGROUND) * width) for _ in range(height)]
    axis_row = MARGIN + PLOT_HEIGHT

    for y in range(MARGIN, axis_row + 1):
        _paint(pixels[y], MARGIN, MARGIN + 1, AXIS)
    _paint(pixels[axis_row], MARGIN, width - MARGIN, AXIS)

    for index, bar_height in enumerate(bar_heights(values)):
        left = bar_left(index)
        for y in range(axis_row - bar_height, axis_row):
            _paint(pixels[y], left, left + BAR_WIDTH, BAR)
    return pixels


def encode_png(rows: Sequence[bytes], width: int) -> bytes:
    """Encode RGB rows (8 bits per channel) as a PNG: signature, IHDR, one IDAT, IEND."""
    for number, row in enumerate(rows):
        if len(row) != 3 * width:
            raise ValueError(f"row {number} has {len(row)} bytes; a {width}-pixel RGB row needs {3 * width}")
    # Colour type 2 is truecolour RGB; compression, filter and interlace methods are all 0.
    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)
    # Every scanline starts with its filter type; 0 (None) leaves the bytes as they are.
    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def write_bar_chart_png(values: Sequence[int], path: str | Path) -> Path:
    """Write a bar chart of ``values`` (one bar each, 0 or more) as a PNG file; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    width, _ = chart_size(len(values))
    path.write_bytes(encode_png(render_bar_chart(values), width))
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    # The CRC covers the chunk type and data, not the length field.
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _paint(row: bytearray, start: int, stop: int, colour: tuple[int, int, int]) -> None:
    row[3 * start : 3 * stop] = bytes(colour) * (stop - start)
