"""Stage batches for the health tests through the staging module, as the domain assets do."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, update

from ingest.records import OwnerRole, Reason, RowException
from staging.batches import BatchHeader, replace_staged_batch, set_batch_status
from staging.tables import exceptions


def stage(
    engine: Engine,
    batch_id: str,
    domain: str,
    partition: str,
    status: str,
    owners: tuple[OwnerRole, ...] = (),
) -> None:
    """Stage a batch with one held row per owner given, then give it ``status``."""
    held = [
        (None, RowException(f"{domain}_{partition}.csv", row, "job", "J-9999", Reason.UNKNOWN_JOB, owner, "unknown job"))
        for row, owner in enumerate(owners, start=2)
    ]
    header = BatchHeader(
        batch_id=batch_id,
        domain=domain,
        partition_key=partition,
        source_file=f"{domain}_{partition}.csv",
        content_hash=batch_id.ljust(64, "0")[:64],
        mapping="test",
        rows_in=3 + len(held),
        rows_staged=3,
        rows_excepted=len(held),
        staged_hours=Decimal("24.00"),
        file_hours=Decimal("24.00"),
        counted_rows=3 + len(held),
        control_count=3 + len(held),
        control_hours=Decimal("24.00"),
        control_source=None,
    )
    replace_staged_batch(engine, header, [], held)
    if status != "staged":
        set_batch_status(engine, batch_id, status)


def backdate_exceptions(engine: Engine, batch_id: str, recorded_at: datetime) -> None:
    """Move the recorded time of a batch's exceptions, so their age is known to the test."""
    with engine.begin() as connection:
        connection.execute(update(exceptions).where(exceptions.c.batch_id == batch_id).values(recorded_at=recorded_at))
