"""Row rules of an accrual batch: the schema, approval flag and duplicates, then Odoo jobs and cost codes."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from checks.accrual_schema import validate_accrual_rows
from ingest.records import OwnerRole, Reason, RowException
from odoo_io.client import OdooClient
from odoo_io.master_data import fetch_labor_master_data


@dataclass
class ValidatedAccruals:
    accepted: pd.DataFrame
    flagged: list[tuple[int | None, RowException]]
    rows_excepted: int


def _exception(row, column: str, value, reason: Reason, owner: OwnerRole, message: str) -> RowException:
    return RowException(row.source_file, int(row.source_row), column, "" if value is None else str(value), reason, owner, message)


def validate_accrual_batch(extract, period: str, client: OdooClient) -> ValidatedAccruals:
    """Split the period's accrual rows into accepted rows and rows held with their exceptions."""
    frame = extract.frame.reset_index(drop=True)
    frame["line_no"] = range(len(frame))
    flagged: list[tuple[int | None, RowException]] = [(None, item) for item in extract.exceptions]

    valid, schema_exceptions = validate_accrual_rows(frame, period)
    schema_failed = set(frame["line_no"]) - set(valid["line_no"])
    rows_by_key = {(row.source_file, int(row.source_row)): int(row.line_no) for row in frame.itertuples(index=False)}
    flagged.extend((rows_by_key.get((item.source_file, item.source_row)), item) for item in schema_exceptions)

    # Jobs must exist and be open; each cost code must exist as an analytic account.
    jobs = fetch_labor_master_data(client, set(valid["job"]), set()).jobs
    cost_codes = {
        row["code"]
        for row in client.search_read("account.analytic.account", [("code", "in", sorted(set(valid["cost_code"])))], ["code"])
    }
    rule_failed: set[int] = set()
    for row in valid.itertuples(index=False):
        found = []
        job = jobs.get(row.job)
        if job is None:
            found.append(_exception(row, "job", row.job, Reason.UNKNOWN_JOB, OwnerRole.MASTER_DATA,
                                    f"no project with analytic account code {row.job} in Odoo"))
        elif job.closed or not job.active:
            found.append(_exception(row, "job", row.job, Reason.JOB_CLOSED, OwnerRole.MASTER_DATA,
                                    f"job {row.job} ({job.name}) is closed in Odoo"))
        if row.cost_code not in cost_codes:
            found.append(_exception(row, "cost_code", row.cost_code, Reason.UNKNOWN_COST_CODE, OwnerRole.MASTER_DATA,
                                    f"no analytic account with code {row.cost_code} in Odoo's cost code plan"))
        if found:
            rule_failed.add(int(row.line_no))
            flagged.extend((int(row.line_no), item) for item in found)

    rejected = schema_failed | rule_failed
    accepted = valid[~valid["line_no"].isin(rejected)]
    unparsed = {(item.source_file, item.source_row) for line_no, item in flagged if line_no is None}
    return ValidatedAccruals(accepted=accepted, flagged=flagged, rows_excepted=len(unparsed) + len(rejected))
