"""Writing and reading staged batches, their exceptions and the posting ledger."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update

from ingest.records import OwnerRole, Reason, RowException
from staging.bulk import insert_rows
from staging.tables import (
    audit_log,
    batches,
    exceptions,
    journal_entries,
    journal_lines,
    journal_source_rows,
    labor_lines,
    landed_files,
    posting_ledger,
)


@dataclass(frozen=True)
class BatchHeader:
    batch_id: str
    domain: str
    partition_key: str
    source_file: str
    content_hash: str
    mapping: str
    rows_in: int
    rows_staged: int
    rows_excepted: int
    staged_hours: Decimal
    file_hours: Decimal
    counted_rows: int
    control_count: int | None
    control_hours: Decimal | None
    control_source: str | None
    staged_amount: Decimal | None = None
    file_amount: Decimal | None = None
    control_amount: Decimal | None = None


def as_utc(moment: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# A run that posts longer than this is presumed dead and its batch may be taken over.
# Posting 10,000 lines takes seconds to minutes, so 30 minutes is generous.
POSTING_LEASE = timedelta(minutes=30)


def now() -> datetime:
    return datetime.now(UTC)


def replace_staged_batch(
    engine: Engine,
    header: BatchHeader,
    lines: list[dict] | pd.DataFrame,
    row_exceptions: list[tuple[int | None, RowException]],
    line_details: dict[int, dict] | None = None,
    *,
    entries: list[dict] | None = None,
    journal_items: list[dict] | None = None,
    source_rows: list[dict] | None = None,
    status: str = "staged",
    holder_ended: Callable[[str], bool] | None = None,
) -> None:
    """Stage a batch in one transaction, replacing what this partition staged before.

    ``lines`` are labor lines; journal-entry batches pass ``entries``, ``journal_items`` and the
    accepted ``source_rows`` instead, with ``status`` "checking" until their checks have run. ``line_details`` maps a line number to the source_record_id, employee_id,
    work_date and hours stored with that line's exceptions.

    A batch of the partition under a valid posting lease stops the staging, unless
    ``holder_ended(holder_run_id)`` says the lease's run has ended (a killed run, say): the
    posting step of this run then looks up in Odoo what the dead run created.

    Idempotent per partition: the partition's earlier staged lines and exceptions are
    deleted first. Batches that already posted keep their header, their journal entries
    and items (which a correction reverses) and their ledger rows; only labor lines go.
    """
    with engine.begin() as connection:
        _clear_partition(connection, header, status, holder_ended)
        _audit_staged(connection, header, status)
        if len(lines):
            insert_rows(connection, labor_lines, lines, {"batch_id": header.batch_id})
        if entries:
            insert_rows(connection, journal_entries, entries, {"batch_id": header.batch_id})
        if journal_items:
            insert_rows(connection, journal_lines, journal_items, {"batch_id": header.batch_id})
        if source_rows:
            insert_rows(connection, journal_source_rows, source_rows, {"batch_id": header.batch_id})
        _insert_exceptions(connection, header, row_exceptions, line_details)


class LaborPartWriter:
    """Stage a labor batch one part at a time inside one transaction; see stage_labor_parts."""

    def __init__(self, connection: Connection, header: BatchHeader):
        self.connection = connection
        self.header = header
        self.rows_staged = 0
        self.rows_excepted = 0
        self.staged_hours = Decimal("0.00")

    def add(self, lines: pd.DataFrame, row_exceptions: list[tuple[int | None, RowException]],
            line_details: dict[int, dict], rows_excepted: int) -> None:
        """Stage one part's accepted lines and exceptions; `rows_excepted` counts its held rows."""
        if len(lines):
            insert_rows(self.connection, labor_lines, lines, {"batch_id": self.header.batch_id})
            self.staged_hours += sum(lines["hours"], Decimal("0.00"))
        _insert_exceptions(self.connection, self.header, row_exceptions, line_details)
        self.rows_staged += len(lines)
        self.rows_excepted += rows_excepted


@contextmanager
def stage_labor_parts(
    engine: Engine, header: BatchHeader, *, holder_ended: Callable[[str], bool] | None = None
) -> Iterator[LaborPartWriter]:
    """Stage a labor batch part by part, replacing what the partition staged before, in one transaction.

    The header's staged and held counts and staged hours are written from the parts at the
    end, so a reader never sees a batch with only some of its parts. The lease rule is
    replace_staged_batch's.
    """
    with engine.begin() as connection:
        _clear_partition(connection, header, "staged", holder_ended)
        writer = LaborPartWriter(connection, header)
        yield writer
        totals = {"rows_staged": writer.rows_staged, "rows_excepted": writer.rows_excepted,
                  "staged_hours": writer.staged_hours}
        connection.execute(update(batches).where(batches.c.batch_id == header.batch_id).values(**totals))
        _audit_staged(connection, replace(header, **totals), "staged")


def _clear_partition(connection: Connection, header: BatchHeader, status: str,
                     holder_ended: Callable[[str], bool] | None) -> None:
    """Delete or supersede the partition's earlier batches and insert this batch's header."""
    earlier = connection.execute(
        select(
            batches.c.batch_id, batches.c.status, batches.c.posted_at, batches.c.posting_run_id, batches.c.posting_since
        ).where(and_(batches.c.domain == header.domain, batches.c.partition_key == header.partition_key))
    ).all()
    for row in earlier:
        if (
            row.posting_run_id
            and row.posting_since
            and as_utc(row.posting_since) > now() - POSTING_LEASE
            and not (holder_ended is not None and holder_ended(row.posting_run_id))
        ):
            raise PostingLeaseTaken(
                f"batch {row.batch_id} of {header.partition_key} is being posted by run {row.posting_run_id}; "
                "run the partition again once that run has finished"
            )
    first_posted_at = None
    for batch_id, earlier_status, posted_at, _, _ in earlier:
        if batch_id == header.batch_id:
            first_posted_at = posted_at
        connection.execute(delete(labor_lines).where(labor_lines.c.batch_id == batch_id))
        connection.execute(delete(exceptions).where(exceptions.c.batch_id == batch_id))
        # Posted and reversed batches stay: the ledger, approvals and audit log refer to them.
        if earlier_status not in {"posted", "reconciled", "posting", "reversed"} or batch_id == header.batch_id:
            connection.execute(delete(journal_lines).where(journal_lines.c.batch_id == batch_id))
            connection.execute(delete(journal_source_rows).where(journal_source_rows.c.batch_id == batch_id))
            connection.execute(delete(journal_entries).where(journal_entries.c.batch_id == batch_id))
            connection.execute(delete(batches).where(batches.c.batch_id == batch_id))
        else:
            connection.execute(
                update(batches)
                .where(batches.c.batch_id == batch_id)
                .values(status_reason=f"superseded by batch {header.batch_id}")
            )

    connection.execute(
        insert(batches).values(
            **header.__dict__,
            status=status,
            status_reason=None,
            staged_at=now(),
            # Re-staging the same content keeps the time it first posted.
            posted_at=first_posted_at,
        )
    )


def _audit_staged(connection: Connection, header: BatchHeader, status: str) -> None:
    connection.execute(insert(audit_log).values(
        recorded_at=now(), domain=header.domain, partition_key=header.partition_key, batch_id=header.batch_id,
        action=status, related_batch_id=None, actor="pipeline",
        detail=f"{header.rows_in} rows in, {header.rows_staged} staged, {header.rows_excepted} held "
        f"from {header.source_file} (content {header.content_hash[:12]})",
    ))


def _insert_exceptions(connection: Connection, header: BatchHeader,
                       row_exceptions: list[tuple[int | None, RowException]], line_details: dict[int, dict] | None) -> None:
    if row_exceptions:
        recorded_at = now()
        insert_rows(
            connection,
            exceptions,
            [
                {
                    "batch_id": header.batch_id,
                    "domain": header.domain,
                    "partition_key": header.partition_key,
                    "source_file": item.source_file,
                    "source_row": item.source_row,
                    "line_no": line_no,
                    **_detail_columns((line_details or {}).get(line_no)),
                    "column_name": item.column,
                    "value": item.value,
                    "reason": item.reason.value,
                    "owner": item.owner.value,
                    "message": item.message,
                    "recorded_at": recorded_at,
                }
                for line_no, item in row_exceptions
            ],
        )


def _detail_columns(details: dict | None) -> dict:
    details = details or {}
    return {name: details.get(name) for name in ("source_record_id", "employee_id", "work_date", "hours")}


def hold_rejected_lines(engine: Engine, batch: dict, rejected: list[tuple[dict, str]]) -> None:
    """Move lines that Odoo refused from the staged lines to the exceptions, in one transaction.

    The batch header is updated too, so rows in = rows staged + rows held stays true.
    """
    if not rejected:
        return
    recorded_at = now()
    with engine.begin() as connection:
        for line, message in rejected:
            connection.execute(
                delete(labor_lines).where(
                    and_(labor_lines.c.batch_id == batch["batch_id"], labor_lines.c.line_no == line["line_no"])
                )
            )
            connection.execute(
                insert(exceptions).values(
                    batch_id=batch["batch_id"],
                    domain=batch["domain"],
                    partition_key=batch["partition_key"],
                    source_file=line["source_file"],
                    source_row=line["source_row"],
                    line_no=line["line_no"],
                    source_record_id=line["source_record_id"],
                    employee_id=line["employee_id"],
                    work_date=line["work_date"],
                    hours=line["hours"],
                    column_name="(record)",
                    value=f"{line['job']} {line['cost_code']} {line['employee_id']}",
                    reason=Reason.ODOO_REJECTED.value,
                    owner=OwnerRole.MASTER_DATA.value,
                    message=f"Odoo rejected the timesheet line: {message}",
                    recorded_at=recorded_at,
                )
            )
        held_hours = sum((line["hours"] for line, _ in rejected), Decimal("0.00"))
        connection.execute(
            update(batches)
            .where(batches.c.batch_id == batch["batch_id"])
            .values(
                rows_staged=batches.c.rows_staged - len(rejected),
                rows_excepted=batches.c.rows_excepted + len(rejected),
                staged_hours=batches.c.staged_hours - held_hours,
            )
        )


def current_batch(engine: Engine, domain: str, partition_key: str) -> dict | None:
    """Return the most recently staged batch of a partition as a dict of its header columns."""
    with engine.connect() as connection:
        row = connection.execute(
            select(batches)
            .where(and_(batches.c.domain == domain, batches.c.partition_key == partition_key))
            .order_by(batches.c.staged_at.desc())
            .limit(1)
        ).mappings().first()
    return dict(row) if row else None


def list_batches(
    engine: Engine, domain: str | None = None, status: str | None = None, *, held_rows_only: bool = False
) -> list[dict]:
    query = select(batches).order_by(batches.c.domain, batches.c.partition_key, batches.c.staged_at)
    if domain:
        query = query.where(batches.c.domain == domain)
    if status:
        query = query.where(batches.c.status == status)
    if held_rows_only:
        query = query.where(batches.c.rows_excepted > 0)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def set_batch_status(
    engine: Engine, batch_id: str, status: str, reason: str | None = None, *, actor: str = "pipeline"
) -> None:
    """Change a batch's status and append the change to the audit log in the same transaction."""
    values: dict = {"status": status, "status_reason": reason}
    if status == "posted":
        values["posted_at"] = func.coalesce(batches.c.posted_at, now())
    with engine.begin() as connection:
        row = connection.execute(
            select(batches.c.domain, batches.c.partition_key, batches.c.status).where(batches.c.batch_id == batch_id)
        ).first()
        connection.execute(update(batches).where(batches.c.batch_id == batch_id).values(**values))
        if row is not None and (row.status != status or reason):
            connection.execute(insert(audit_log).values(
                recorded_at=now(), domain=row.domain, partition_key=row.partition_key, batch_id=batch_id,
                action=status, related_batch_id=None, detail=reason or f"{row.status} -> {status}", actor=actor,
            ))


class PostingLeaseTaken(Exception):
    """Another run is posting the batch right now."""


def acquire_posting_lease(
    engine: Engine, batch_id: str, run_id: str, lease: timedelta = POSTING_LEASE,
    holder_ended: Callable[[str], bool] | None = None,
) -> None:
    """Mark the batch as being posted by ``run_id``, unless another run's lease is still valid.

    The compare-and-set runs in one UPDATE, so two runs that race for the same batch
    (a backfill and the schedule, say) cannot both win. A lease older than ``lease``
    belongs to a run that died without releasing it and is taken over. So is a younger one
    when ``holder_ended(holder_run_id)`` says the holder has ended (a killed run, for example),
    again with a compare-and-set on the holder.
    """
    started = now()
    with engine.begin() as connection:
        taken = connection.execute(
            update(batches)
            .where(batches.c.batch_id == batch_id)
            .where(
                or_(
                    batches.c.posting_run_id.is_(None),
                    batches.c.posting_run_id == run_id,
                    batches.c.posting_since < started - lease,
                )
            )
            .values(posting_run_id=run_id, posting_since=started)
        ).rowcount
        if taken == 1:
            return
        holder = connection.execute(
            select(batches.c.posting_run_id, batches.c.posting_since).where(batches.c.batch_id == batch_id)
        ).one()
        if holder_ended is not None and holder.posting_run_id and holder_ended(holder.posting_run_id):
            taken = connection.execute(
                update(batches)
                .where(and_(batches.c.batch_id == batch_id, batches.c.posting_run_id == holder.posting_run_id))
                .values(posting_run_id=run_id, posting_since=started)
            ).rowcount
            if taken == 1:
                return
    raise PostingLeaseTaken(
        f"batch {batch_id} is being posted by run {holder.posting_run_id} since {holder.posting_since:%Y-%m-%d %H:%M:%S} UTC; "
        "wait for that run to finish"
    )


def release_posting_lease(engine: Engine, batch_id: str, run_id: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(batches)
            .where(and_(batches.c.batch_id == batch_id, batches.c.posting_run_id == run_id))
            .values(posting_run_id=None, posting_since=None)
        )


def staged_labor_lines(engine: Engine, batch_id: str) -> list[dict]:
    """Return every staged line of a batch in line order; see iter_staged_labor_lines for large batches."""
    return list(iter_staged_labor_lines(engine, batch_id))


# Lines read from staging at a time when a batch is posted or read back.
LINES_PER_PAGE = 50_000


def iter_staged_labor_lines(engine: Engine, batch_id: str, page_size: int = LINES_PER_PAGE) -> Iterator[dict]:
    """Yield the staged lines of a batch in line order, reading one page of lines at a time."""
    after = -1
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                select(labor_lines)
                .where(and_(labor_lines.c.batch_id == batch_id, labor_lines.c.line_no > after))
                .order_by(labor_lines.c.line_no)
                .limit(page_size)
            ).mappings().all()
        for row in rows:
            yield dict(row)
        if len(rows) < page_size:
            return
        after = rows[-1]["line_no"]


def staged_totals(engine: Engine, batch_id: str) -> tuple[int, Decimal]:
    """Count and hours of the staged lines, summed by the database."""
    with engine.connect() as connection:
        count, hours = connection.execute(
            select(func.count(), func.coalesce(func.sum(labor_lines.c.hours), 0)).where(labor_lines.c.batch_id == batch_id)
        ).one()
    return int(count), Decimal(str(hours)).quantize(Decimal("0.01"))


def excepted_row_count(engine: Engine, batch_id: str) -> int:
    """Distinct rows with exceptions: lines by line number, unparsed rows by file and row."""
    with engine.connect() as connection:
        pairs = connection.execute(
            select(exceptions.c.line_no, exceptions.c.source_file, exceptions.c.source_row).where(
                exceptions.c.batch_id == batch_id
            )
        ).all()
    keys = {("line", line_no) if line_no is not None else ("row", source_file, source_row) for line_no, source_file, source_row in pairs}
    return len(keys)


def batch_exceptions(engine: Engine, batch_id: str) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(exceptions).where(exceptions.c.batch_id == batch_id).order_by(exceptions.c.source_row, exceptions.c.id)
        ).mappings().all()
    return [dict(row) for row in rows]


def open_exceptions(engine: Engine, domain: str | None = None) -> list[dict]:
    """Exceptions of every partition's current batch (earlier batches' rows are replaced on re-stage)."""
    query = select(exceptions, batches.c.status).join(batches, batches.c.batch_id == exceptions.c.batch_id)
    if domain:
        query = query.where(exceptions.c.domain == domain)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(exceptions.c.partition_key, exceptions.c.source_row)).mappings().all()
    return [dict(row) for row in rows]


# -- posting ledger -----------------------------------------------------------------


def ledger_batches_for(engine: Engine, external_ids: Iterable[str]) -> dict[str, str]:
    """Map each given external id that is in the ledger to the batch that posted it."""
    ids = list(external_ids)
    found: dict[str, str] = {}
    with engine.connect() as connection:
        for start in range(0, len(ids), 500):
            window = ids[start : start + 500]
            for external_id, batch_id in connection.execute(
                select(posting_ledger.c.external_id, posting_ledger.c.batch_id).where(
                    posting_ledger.c.external_id.in_(window)
                )
            ):
                found[external_id] = batch_id
    return found


def record_posted(engine: Engine, *, batch_id: str, domain: str, odoo_model: str, chunk_no: int, ids_by_external_id: dict[str, int]) -> int:
    """Add ledger rows for records now in Odoo and return how many were new; existing rows are kept."""
    if not ids_by_external_id:
        return 0
    posted_at = now()
    with engine.begin() as connection:
        known = {
            row[0]
            for row in connection.execute(
                select(posting_ledger.c.external_id).where(posting_ledger.c.external_id.in_(list(ids_by_external_id)))
            )
        }
        new_rows = [
            {
                "external_id": external_id,
                "batch_id": batch_id,
                "domain": domain,
                "odoo_model": odoo_model,
                "odoo_id": odoo_id,
                "chunk_no": chunk_no,
                "posted_at": posted_at,
            }
            for external_id, odoo_id in ids_by_external_id.items()
            if external_id not in known
        ]
        if new_rows:
            connection.execute(insert(posting_ledger), new_rows)
    return len(new_rows)


def ledger_for_batch(engine: Engine, batch_id: str) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(posting_ledger.c.external_id, posting_ledger.c.odoo_id).where(posting_ledger.c.batch_id == batch_id)
        ).all()
    return {external_id: odoo_id for external_id, odoo_id in rows}


# -- landed files ----------------------------------------------------------------------


@dataclass(frozen=True)
class LandedDelivery:
    """An extract in the landing area, with its companion control file if the layout has one."""

    content_hash: str  # landing key: the extract's hash, or the hash of both files' hashes
    domain: str
    remote_path: str
    landed_path: str
    file_hash: str
    size: int
    companion_path: str | None
    companion_hash: str | None
    partition_key: str | None


def landing_key(file_hash: str, companion_hash: str | None) -> str:
    if companion_hash is None:
        return file_hash
    return hashlib.sha256(f"{file_hash}:{companion_hash}".encode()).hexdigest()


def record_landed(engine: Engine, delivery: LandedDelivery) -> bool:
    """Register a delivery; returns False when the same content was landed before.

    A delivery fetched again becomes the partition's latest one again.
    """
    fetched_at = now()
    with engine.begin() as connection:
        exists = connection.execute(
            select(landed_files.c.content_hash).where(landed_files.c.content_hash == delivery.content_hash)
        ).first()
        if exists:
            connection.execute(
                update(landed_files)
                .where(landed_files.c.content_hash == delivery.content_hash)
                .values(last_fetched_at=fetched_at, partition_key=delivery.partition_key)
            )
            return False
        connection.execute(
            insert(landed_files).values(**delivery.__dict__, landed_at=fetched_at, last_fetched_at=fetched_at)
        )
        connection.execute(insert(audit_log).values(
            recorded_at=fetched_at, domain=delivery.domain, partition_key=delivery.partition_key or "",
            batch_id=delivery.content_hash, action="landed", related_batch_id=None, actor="pipeline",
            detail=f"{delivery.remote_path} landed as {delivery.landed_path} ({delivery.size} bytes)",
        ))
    return True


def latest_landed(engine: Engine, domain: str, partition_key: str) -> dict | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(landed_files)
            .where(and_(landed_files.c.domain == domain, landed_files.c.partition_key == partition_key))
            .order_by(landed_files.c.last_fetched_at.desc())
            .limit(1)
        ).mappings().first()
    return dict(row) if row else None
