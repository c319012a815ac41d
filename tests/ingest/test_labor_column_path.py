"""Tests that name the CSV extracts the column-wise path must read.

Both reader paths give the same result, so a file that fell back to the slow row reader
would pass every other ingest test unnoticed.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ingest.labor_reader
from ingest.labor_columns import read_csv_table
from ingest.labor_reader import read_labor_extract
from tests.ingest.conftest import BUSINESS_DATE, write_bytes

TEXT = "EmployeeID,Job,Phase,CostType,PayType,Hours\r\nE1047,J-2301,03 30 00,L,RT,8.00\r\nE1048,J-2301,03 30 00,L,OT,1.50\r\n"


@pytest.fixture
def column_path_calls(monkeypatch) -> list[str]:
    """Record the files the column-wise path read."""
    calls: list[str] = []
    real_read_table = ingest.labor_reader._read_table

    def spy(path, *args, **kwargs):
        calls.append(path.name)
        return real_read_table(path, *args, **kwargs)

    monkeypatch.setattr(ingest.labor_reader, "_read_table", spy)
    return calls


@pytest.mark.parametrize(
    ("encoding", "content"),
    [
        ("utf-8-sig", TEXT.encode("utf-8-sig")),
        ("utf-8-sig", TEXT.encode("utf-8")),
        ("utf-8", TEXT.encode("utf-8")),
        ("latin-1", TEXT.encode("latin-1")),
        ("cp1252", TEXT.encode("cp1252")),
    ],
    ids=["utf-8-sig with BOM", "utf-8-sig without BOM", "utf-8", "latin-1", "cp1252"],
)
def test_ascii_encodings_use_column_path(encoding, content, tmp_path, csv_mapping, column_path_calls):
    path = write_bytes(tmp_path, "timecards.csv", content)

    extract = read_labor_extract(path, csv_mapping(encoding=encoding), business_date=BUSINESS_DATE)

    assert column_path_calls == ["timecards.csv"]
    assert extract.header[0] == "EmployeeID"
    assert extract.frame["employee_id"].tolist() == ["E1047", "E1048"]
    assert extract.total_hours == Decimal("9.50")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_wide_encodings_use_row_reader(encoding, tmp_path, csv_mapping, column_path_calls):
    # Line breaks are not single bytes in these encodings, so the byte-level line count would be wrong.
    path = write_bytes(tmp_path, "timecards.csv", TEXT.encode(encoding))
    mapping = csv_mapping(encoding=encoding)

    extract = read_labor_extract(path, mapping, business_date=BUSINESS_DATE)

    assert read_csv_table(path.read_bytes(), mapping) is None
    assert column_path_calls == []
    assert extract.frame["employee_id"].tolist() == ["E1047", "E1048"]
    assert extract.total_hours == Decimal("9.50")


def test_procore_layout_uses_column_path(tmp_path, column_path_calls):
    from benchmarks.labor_volume import generate
    from ingest.mapping import load_mapping

    path = generate(20, tmp_path)

    extract = read_labor_extract(path, load_mapping("procore_timecards"), business_date=BUSINESS_DATE)

    assert column_path_calls == [path.name]
    assert extract.rows_in == 20
