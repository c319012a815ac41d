"""The benchmark commands run on small sizes. No time is asserted: the figures live in docs/benchmarks.md."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.labor_volume import generate, pipeline

ROOT = Path(__file__).resolve().parents[2]


def test_generated_extract_has_held_rows(tmp_path):
    path = generate(1000, tmp_path)

    assert path.read_text(encoding="utf-8-sig").count("\n") == 1001
    assert path.with_suffix(".ctl").read_text().startswith("1000,")


def test_labor_pipeline_accounts_for_every_row(tmp_path, sqlite_staging):
    result = pipeline(generate(1000, tmp_path), sqlite_staging.url)

    assert result["rows_in"] == 1000
    assert result["rows_in"] == result["rows_staged"] + result["rows_held"]
    assert result["rows_held"] > 0
    assert set(result["seconds"]) == {"survey", "validate and stage"}
    assert result["parts"] == 1  # a small file is read whole


@pytest.mark.postgres
def test_driver_writes_every_section(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.pipeline", "--labor-rows", "200,400", "--equipment-readings", "200",
         "--posting-lines", "200", "--naive-lines", "20", "--no-write"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )

    assert completed.returncode == 0, completed.stderr
    page = completed.stdout
    assert "| 400 |" in page
    assert "Did not finish" not in page
    for heading in ("## Machine", "## Labor", "## Equipment", "## Posting", "## Targets"):
        assert heading in page
