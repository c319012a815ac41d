"""The demo project-controls database under a demo folder."""

from __future__ import annotations

from decimal import Decimal

from demo.accruals import (
    DEMO_ACCRUALS,
    demo_control_totals,
    demo_project_controls_path,
    write_demo_project_controls,
)
from ingest.accruals import read_accruals


def test_demo_path_under_folder(tmp_path):
    assert demo_project_controls_path(tmp_path) == tmp_path / "project_controls.sqlite"


def test_demo_written_and_readable(tmp_path):
    url = write_demo_project_controls(tmp_path / "demo")

    extract = read_accruals(url, "2026-11")

    assert demo_project_controls_path(tmp_path / "demo").is_file()
    assert extract.rows_in == 7
    assert extract.control.total_amount == Decimal("137042.75")


def test_demo_data_shape():
    jobs = {row.job for row in DEMO_ACCRUALS}
    unapproved = [row.accrual_id for row in DEMO_ACCRUALS if row.approved is None]
    credits = [row.accrual_id for row in DEMO_ACCRUALS if row.amount < 0]

    assert jobs == {"J-2301", "J-2302", "J-2417"}
    assert unapproved == ["AC-2611-004"]
    assert credits == ["AC-2611-007"]
    assert demo_control_totals("2026-10") == (6, Decimal("133465.40"))
    assert demo_control_totals("2026-11") == (7, Decimal("137042.75"))
