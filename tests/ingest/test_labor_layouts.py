"""Each layout reads back exactly what the demo writer wrote."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from checks.labor_schema import count_excepted_rows, count_source_rows, validate_labor_rows
from demo.extracts import sample_labor_rows, write_labor_extract
from ingest.labor_reader import CANONICAL_COLUMNS, read_labor_extract
from ingest.mapping import load_mapping
from tests.ingest.conftest import BUSINESS_DATE, LAYOUTS


def _expected(rows: list[dict], layout: str, *, with_craft: bool) -> list[tuple]:
    expected = []
    for row in rows:
        if layout == "adp_paydata" and row["hours"] == 0:
            continue  # a paydata line with zero hours yields no canonical row
        craft = row["craft"] if with_craft else ""
        expected.append(
            (row["job"], row["cost_code"], row["cost_type"], row["employee_id"], craft, row["pay_type"], row["hours"])
        )
    return sorted(expected)


def _read_back(frame: pd.DataFrame) -> list[tuple]:
    columns = ["job", "cost_code", "cost_type", "employee_id", "craft", "pay_type", "hours"]
    return sorted(tuple(values) for values in frame[columns].itertuples(index=False))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_round_trip(layout, tmp_path, demo_rows):
    paths = write_labor_extract(layout, BUSINESS_DATE, tmp_path, demo_rows)
    extract = read_labor_extract(paths[0], load_mapping(layout), business_date=BUSINESS_DATE)

    assert extract.exceptions == []
    assert list(extract.frame.columns) == CANONICAL_COLUMNS
    assert _read_back(extract.frame) == _expected(demo_rows, layout, with_craft=layout != "c14_timecards")
    assert extract.total_hours == Decimal("32.58")
    assert isinstance(extract.total_hours, Decimal)
    assert (extract.frame["work_date"] == pd.Timestamp(BUSINESS_DATE)).all()
    assert extract.rows_in == len(extract.frame) + extract.excepted_rows
    assert extract.frame["source_record_id"].is_unique


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_control_matches_rows(layout, tmp_path, demo_rows):
    paths = write_labor_extract(layout, BUSINESS_DATE, tmp_path, demo_rows)
    extract = read_labor_extract(paths[0], load_mapping(layout), business_date=BUSINESS_DATE)

    if layout == "c14_timecards":
        assert extract.control is None
        return
    counted = extract.source_rows_in if extract.control_counts == "source_rows" else extract.rows_in
    assert extract.control.record_count == counted
    assert extract.control.total_hours == extract.total_hours


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_frame_passes_schema(layout, tmp_path):
    rows = sample_labor_rows(BUSINESS_DATE)
    paths = write_labor_extract(layout, BUSINESS_DATE, tmp_path, rows)
    extract = read_labor_extract(paths[0], load_mapping(layout), business_date=BUSINESS_DATE)

    valid, exceptions = validate_labor_rows(extract.frame, BUSINESS_DATE)

    assert exceptions == []
    assert len(valid) == len(extract.frame)
    assert count_source_rows(extract.frame) == count_source_rows(valid) + count_excepted_rows(exceptions)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_resent_file_keeps_record_ids(layout, tmp_path, demo_rows):
    first = write_labor_extract(layout, BUSINESS_DATE, tmp_path / "first", demo_rows + demo_rows[:1])
    second = write_labor_extract(layout, BUSINESS_DATE, tmp_path / "second", demo_rows + demo_rows[:1])
    mapping = load_mapping(layout)

    ids_first = read_labor_extract(first[0], mapping, business_date=BUSINESS_DATE).frame["source_record_id"]
    ids_second = read_labor_extract(second[0], mapping, business_date=BUSINESS_DATE).frame["source_record_id"]

    assert list(ids_first) == list(ids_second)
    assert ids_first.is_unique  # the repeated row gets its own occurrence number


def test_procore_writes_companion_control(tmp_path, demo_rows):
    paths = write_labor_extract("procore_timecards", BUSINESS_DATE, tmp_path, demo_rows)

    assert [path.name for path in paths] == ["timecards_20261203.csv", "timecards_20261203.ctl"]
    assert paths[1].read_bytes() == b"7,32.58\r\n"
    assert paths[0].read_bytes().startswith(b"\xef\xbb\xbfID,Date,")


def test_adp_writes_done_marker(tmp_path, demo_rows):
    paths = write_labor_extract("adp_paydata", BUSINESS_DATE, tmp_path, demo_rows)

    assert [path.name for path in paths] == ["EPIK7QSL_20261203.csv", "EPIK7QSL_20261203.csv.done"]
    assert paths[1].read_bytes() == b""


def test_adp_control_counts_paydata_lines(tmp_path, demo_rows):
    paths = write_labor_extract("adp_paydata", BUSINESS_DATE, tmp_path, demo_rows)
    extract = read_labor_extract(paths[0], load_mapping("adp_paydata"))

    # E1001 RT+OT share a line, and so do E1005 RT+DT: 7 canonical rows on 5 lines.
    assert extract.source_rows_in == 5
    assert extract.rows_in == 7
    assert extract.control.record_count == 5


def test_adp_never_carries_rates(tmp_path, demo_rows):
    paths = write_labor_extract("adp_paydata", BUSINESS_DATE, tmp_path, demo_rows)
    extract = read_labor_extract(paths[0], load_mapping("adp_paydata"))

    assert "41.2500" in paths[0].read_text(encoding="latin-1")
    flat = extract.frame.astype(str).to_string()
    assert "41.25" not in flat
    assert "Temp Rate" not in extract.frame.columns


def test_remote_file_name_per_layout():
    names = {layout: load_mapping(layout).remote_file_name(BUSINESS_DATE) for layout in LAYOUTS[:3]}

    assert names == {
        "procore_timecards": "timecards_20261203.csv",
        "adp_paydata": "EPIK7QSL_20261203.csv",
        "crew_timesheet_xlsx": "crew_timesheet_20261203.xlsx",
    }


def test_zero_hour_row_is_kept(tmp_path):
    rows = sample_labor_rows(BUSINESS_DATE)
    paths = write_labor_extract("procore_timecards", BUSINESS_DATE, tmp_path, rows)
    extract = read_labor_extract(paths[0], load_mapping("procore_timecards"))

    assert (extract.frame["hours"] == Decimal("0.00")).sum() == 1
    assert len(extract.frame) == len(rows)
