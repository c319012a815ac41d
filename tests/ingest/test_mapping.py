"""Loading labor mapping files: strict keys and clear errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from ingest.mapping import LABOR_MAPPINGS_DIR, load_mapping
from ingest.records import ExtractError


def _write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _base() -> dict:
    return yaml.safe_load((LABOR_MAPPINGS_DIR / "procore_timecards.yaml").read_text())


@pytest.mark.parametrize("name", sorted(path.stem for path in LABOR_MAPPINGS_DIR.glob("*.yaml")))
def test_shipped_mappings_load(name):
    mapping = load_mapping(name)

    assert mapping.name == name
    assert mapping.mapping_file.endswith(f"{name}.yaml")


def test_load_by_path(tmp_path):
    path = _write(tmp_path, _base())

    assert load_mapping(path).source_system == "procore"


def test_unknown_mapping_name():
    with pytest.raises(ExtractError, match="no_such_layout.yaml: labor mapping file not found"):
        load_mapping("no_such_layout")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"delimeter": ";"}, r"unknown key\(s\) \['delimeter'\]"),
        ({"format": "xls"}, "format must be 'csv' or 'xlsx'"),
        ({"columns": {"job": "Project Number"}}, "no source for canonical column"),
        ({"columns": {**_base()["columns"], "wage": "Rate"}}, r"unknown canonical column\(s\) \['wage'\]"),
        ({"pay_types": {"RT": ["REG"], "OT": ["REG"]}}, "vendor code 'REG' maps to both"),
        ({"pay_types": {"XT": ["X"]}}, "'XT' is not one of"),
        ({"hours_formats": ["minutes"]}, "hours format 'minutes'"),
        ({"date_formats": ["mdy"]}, "neither a strftime format"),
        ({"control": {"type": "trailer", "marker": "T", "marker_position": 1}}, "count_column or control.count_position"),
        ({"control": {"type": "footer"}}, "control.type must be"),
        ({"cost_code": {"leading_zero": True}}, "unknown cost_code key"),
        ({"header_row": 0}, "header_row must be a 1-based row number"),
    ],
)
def test_invalid_mapping_names_file(change, expected, tmp_path):
    document = {**_base(), **change}

    with pytest.raises(ExtractError, match=expected) as raised:
        load_mapping(_write(tmp_path, document))

    assert "broken.yaml" in str(raised.value)


def test_unpivot_rejects_pay_type_column(tmp_path):
    document = yaml.safe_load((LABOR_MAPPINGS_DIR / "adp_paydata.yaml").read_text())
    document["columns"]["pay_type"] = "Hours 3 Code"

    with pytest.raises(ExtractError, match="must not be set when unpivot"):
        load_mapping(_write(tmp_path, document))


def test_date_from_file_name():
    mapping = load_mapping("adp_paydata")

    assert mapping.date_from_file_name("EPIK7QSL_20261203.csv") == date(2026, 12, 3)
    assert mapping.date_from_file_name("EPIK7QSL_20261340.csv") is None
    assert mapping.date_from_file_name("EPIK7QSL_20261203.csv.done") is None
