"""The bar chart PNG: a valid file whose bars follow the data."""

import pytest

from reporting.chart import (
    AXIS,
    BAR,
    BAR_WIDTH,
    MARGIN,
    PLOT_HEIGHT,
    bar_heights,
    bar_left,
    chart_size,
    encode_png,
    write_bar_chart_png,
)
from tests.health.png import read_chunks, read_pixels


def measured_height(rows, x: int) -> int:
    """Count bar-coloured pixels in column ``x`` going up from the x axis."""
    axis_row = MARGIN + PLOT_HEIGHT
    height = 0
    for y in range(axis_row - 1, -1, -1):
        if rows[y][x] != BAR:
            break
        height += 1
    return height


def test_png_chunks_and_size(tmp_path):
    values = [0, 3, 1, 7]
    path = write_bar_chart_png(values, tmp_path / "chart.png")
    data = path.read_bytes()

    assert [kind for kind, _ in read_chunks(data)] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, _ = read_pixels(data)
    assert (width, height) == chart_size(len(values))


def test_bar_heights_follow_data(tmp_path):
    values = [0, 1, 5, 10, 4, 10]
    data = write_bar_chart_png(values, tmp_path / "chart.png").read_bytes()
    _, _, rows = read_pixels(data)

    heights = [measured_height(rows, bar_left(index) + BAR_WIDTH // 2) for index in range(len(values))]

    assert heights == [0, 16, 80, 160, 64, 160]
    assert heights == bar_heights(values)


def test_axes_drawn(tmp_path):
    data = write_bar_chart_png([2, 1], tmp_path / "chart.png").read_bytes()
    width, _, rows = read_pixels(data)
    axis_row = MARGIN + PLOT_HEIGHT

    assert all(rows[y][MARGIN] == AXIS for y in range(MARGIN, axis_row + 1))
    assert all(rows[axis_row][x] == AXIS for x in range(MARGIN, width - MARGIN))


def test_all_zero_draws_no_bars(tmp_path):
    data = write_bar_chart_png([0] * 30, tmp_path / "chart.png").read_bytes()
    _, _, rows = read_pixels(data)

    assert not any(pixel == BAR for row in rows for pixel in row)


def test_small_value_stays_visible():
    assert bar_heights([1, 1000]) == [1, PLOT_HEIGHT]


def test_negative_value_rejected():
    with pytest.raises(ValueError, match="0 or more"):
        bar_heights([3, -1])


def test_encode_rejects_short_row():
    with pytest.raises(ValueError, match="row 1 has 3 bytes"):
        encode_png([b"\x00" * 6, b"\x00" * 3], width=2)
