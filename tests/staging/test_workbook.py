"""The exceptions workbook a finance reviewer opens in Excel."""

from decimal import Decimal

from openpyxl import load_workbook

from ingest.records import OwnerRole, Reason, RowException
from staging.__main__ import main
from staging.batches import replace_staged_batch
from tests.staging.test_batches import header


def test_workbook_lists_batches_and_exceptions_as_text(sqlite_staging, tmp_path, monkeypatch):
    crafted = RowException("f.csv", 7, "job", "=HYPERLINK(\"x\")", Reason.UNKNOWN_JOB, OwnerRole.MASTER_DATA, "no project")
    replace_staged_batch(sqlite_staging.engine, header("b1"), [], [(0, crafted)])
    monkeypatch.setenv("STAGING_DATABASE_URL", sqlite_staging.url)
    out = tmp_path / "exceptions.xlsx"

    assert main(["exceptions-workbook", "--out", str(out)]) == 0

    workbook = load_workbook(out)
    batches = list(workbook["Batches"].values)
    exceptions = list(workbook["Exceptions"].values)
    assert batches[1][batches[0].index("batch_id")] == "b1"
    assert batches[1][batches[0].index("staged_hours")] == float(Decimal("16.25"))
    assert exceptions[1][3] == 7
    columns = exceptions[0]
    assert exceptions[1][columns.index("value")] == '=HYPERLINK("x")'
    assert workbook["Exceptions"].cell(row=2, column=columns.index("value") + 1).data_type == "s"
