"""The posting step's own gate: it re-verifies a staged batch instead of trusting that checks ran."""

from __future__ import annotations

from sqlalchemy import Engine

from staging.batches import excepted_row_count, staged_totals

POSTABLE_STATUSES = {"staged", "posting", "posted", "reconciled", "post_failed"}


class PostingRefused(Exception):
    """The batch may not post. The message names the total or status that failed."""


def verify_labor_batch(engine: Engine, batch: dict) -> None:
    """Raise PostingRefused unless the batch balances against its control record and its header."""
    batch_id = batch["batch_id"]
    if batch["status"] not in POSTABLE_STATUSES:
        raise PostingRefused(f"batch {batch_id} is {batch['status']}: {batch['status_reason'] or 'no reason recorded'}")

    if batch["control_count"] is None or batch["control_hours"] is None:
        raise PostingRefused(f"batch {batch_id} has no control record")
    if batch["control_count"] != batch["counted_rows"]:
        raise PostingRefused(
            f"batch {batch_id}: file has {batch['counted_rows']} rows but its control record gives {batch['control_count']}"
        )
    if batch["control_hours"] != batch["file_hours"]:
        raise PostingRefused(
            f"batch {batch_id}: file hours {batch['file_hours']} differ from control hours {batch['control_hours']}"
        )

    staged_count, staged_hours = staged_totals(engine, batch_id)
    if staged_count != batch["rows_staged"] or staged_hours != batch["staged_hours"]:
        raise PostingRefused(
            f"batch {batch_id}: staging contains {staged_count} lines / {staged_hours} h but the batch was staged with "
            f"{batch['rows_staged']} lines / {batch['staged_hours']} h"
        )
    excepted = excepted_row_count(engine, batch_id)
    if batch["rows_in"] != staged_count + excepted:
        raise PostingRefused(
            f"batch {batch_id}: {batch['rows_in']} rows in but {staged_count} staged + {excepted} excepted"
        )
