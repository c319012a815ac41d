"""Helpers shared by the labor reader tests: a business date, sample rows and ad-hoc mappings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from ingest.mapping import LaborMapping, load_mapping

BUSINESS_DATE = date(2026, 12, 3)
DATA_DIR = Path(__file__).parent / "data"
LAYOUTS = ["procore_timecards", "adp_paydata", "crew_timesheet_xlsx", "c14_timecards"]


def labor_row(employee_id="E1001", pay_type="RT", hours="8.00", **fields) -> dict:
    row = {
        "job": "J-2301",
        "cost_code": "03 30 00",
        "cost_type": "L",
        "employee_id": employee_id,
        "craft": "CARP",
        "pay_type": pay_type,
        "work_date": BUSINESS_DATE,
        "hours": Decimal(hours),
    }
    row.update(fields)
    return row


@pytest.fixture
def demo_rows() -> list[dict]:
    """Rows covering every pay type, several jobs and cost codes, and a negative correction."""
    return [
        labor_row("E1001", "RT", "8.00"),
        labor_row("E1001", "OT", "2.00"),
        labor_row("E1002", "RT", "7.50", job="J-2302", cost_code="03 11 00", craft="CARP"),
        labor_row("E1005", "RT", "8.00", job="J-2417", cost_code="31 23 00", cost_type="E", craft="OPER"),
        labor_row("E1005", "DT", "1.25", job="J-2417", cost_code="31 23 00", cost_type="E", craft="OPER"),
        labor_row("E1003", "RT", "-2.50", job="J-2301", cost_code="01 50 00", craft="LAB"),
        labor_row("E1008", "RT", "8.33", job="J-2302", cost_code="03 30 00", craft="LAB"),
    ]


@pytest.fixture
def csv_mapping(tmp_path):
    """Build a timecard CSV mapping (EmployeeID, Job, Phase, CostType, PayType, Hours) with top-level keys replaced."""

    def build(**overrides) -> LaborMapping:
        document = yaml.safe_load(Path(load_mapping("c14_timecards").mapping_file).read_text())
        document.update(overrides)
        path = tmp_path / f"test_mapping_{len(list(tmp_path.glob('test_mapping_*')))}.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        return load_mapping(path)

    return build


def write_bytes(directory: Path, name: str, content: bytes) -> Path:
    path = directory / name
    path.write_bytes(content)
    return path


# Modules whose tests run twice: CSV extracts read column by column, then row by row.
BOTH_READER_PATHS = {"test_labor_quirks", "test_labor_layouts", "test_labor_errors"}


def pytest_generate_tests(metafunc):
    if metafunc.module.__name__.rsplit(".", 1)[-1] in BOTH_READER_PATHS:
        metafunc.parametrize("reader_path", ["column-wise", "row-by-row"], indirect=True)


@pytest.fixture(autouse=True)
def reader_path(request, monkeypatch) -> str:
    """Which path reads CSV extracts; "row-by-row" turns the column-wise path off."""
    path = getattr(request, "param", "column-wise")
    if path == "row-by-row":
        monkeypatch.setattr("ingest.labor_reader.reads_column_wise", lambda mapping: False)
    return path
