"""Posting staged labor lines into Odoo as timesheet lines (account.analytic.line), exactly once.

Idempotency: every line has a deterministic external id, derived from the domain, the
source system and the source record id. It is written into the line's ``ref`` field in
the same create call that creates the line, so one look-up by ``ref`` before each chunk
tells which lines already exist, even after a crash between create and anything else.
The id is also registered in ``ir.model.data`` (module ``field_to_odoo``) so the lines
show their external id in Odoo; that registration is repaired on the next run if a crash
interrupted it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from sqlalchemy import Engine

from odoo_io.client import OdooClient
from odoo_io.errors import OdooTransientError, OdooValidationError
from staging.batches import record_posted

EXTERNAL_ID_MODULE = "field_to_odoo"
TIMESHEET_MODEL = "account.analytic.line"
ALL_RECORDS = {"active_test": False}

logger = logging.getLogger(__name__)


def external_id_name(domain: str, source_system: str, source_record_id: str) -> str:
    """Build the ir.model.data name of a source record: readable, and unique through a hash suffix."""
    slug = re.sub(r"[^0-9A-Za-z]+", "_", source_record_id).strip("_")[:48]
    digest = hashlib.sha256(f"{domain}\x1f{source_system}\x1f{source_record_id}".encode()).hexdigest()[:12]
    return f"{domain}_{source_system}_{slug}_{digest}"


def external_id_names(domain: str, source_system: str, source_record_ids: pd.Series) -> pd.Series:
    """Build external_id_name for a whole column of source record ids at once."""
    slugs = source_record_ids.str.replace(r"[^0-9A-Za-z]+", "_", regex=True).str.strip("_").str[:48]
    prefix = f"{domain}\x1f{source_system}\x1f"
    digests = [hashlib.sha256(f"{prefix}{record_id}".encode()).hexdigest()[:12] for record_id in source_record_ids]
    return f"{domain}_{source_system}_" + slugs + "_" + pd.Series(digests, index=source_record_ids.index, dtype=object)


def full_external_id(name: str) -> str:
    return f"{EXTERNAL_ID_MODULE}.{name}"


def timesheet_values(line: dict) -> dict:
    """Build the create values of one timesheet line; None is never sent because XML-RPC cannot marshal it."""
    return {
        "name": f"{line['job']} {line['cost_code']} {line['cost_type']} {line['pay_type']} {line['craft']}".strip(),
        "date": line["work_date"].isoformat(),
        "project_id": int(line["odoo_project_id"]),
        "task_id": int(line["odoo_task_id"]),
        "employee_id": int(line["odoo_employee_id"]),
        # Hours are exact 2-place decimals; a float carries them exactly enough for Odoo's
        # float field, and the reconciliation re-reads them as 2-place decimals.
        "unit_amount": float(line["hours"]),
        "ref": full_external_id(line["external_id"]),
    }


class PostingRejected(Exception):
    """Odoo refused a chunk with a validation fault; nothing of that chunk was created."""

    def __init__(self, chunk_no: int, first_row: int, last_row: int, error: OdooValidationError):
        self.chunk_no = chunk_no
        self.error = error
        super().__init__(
            f"Odoo rejected chunk {chunk_no} (source rows {first_row}-{last_row}): {error}; "
            "fix the data or master data and run the partition again"
        )


@dataclass
class PostingResult:
    chunks: int = 0
    created: int = 0
    already_in_odoo: int = 0
    transient_retries: int = 0
    odoo_ids: list[int] = field(default_factory=list)
    external_ids_registered: int = 0
    external_id_warning: str | None = None
    # Lines Odoo refused one by one with a validation fault, with Odoo's message.
    rejected: list[tuple[dict, str]] = field(default_factory=list)

    @property
    def posted(self) -> int:
        return self.created + self.already_in_odoo


def find_existing_timesheets(client: OdooClient, refs: list[str]) -> dict[str, int]:
    rows = client.search_read(TIMESHEET_MODEL, [("ref", "in", refs)], ["ref"], context=ALL_RECORDS)
    return {row["ref"]: row["id"] for row in rows}


def read_back_timesheets(client: OdooClient, refs: Iterable[str], chunk_size: int = 500) -> list[dict]:
    """Read the batch's lines back from Odoo by their refs, in windows of chunk_size."""
    found: list[dict] = []
    for window in chunks(refs, chunk_size):
        found.extend(
            client.search_read(TIMESHEET_MODEL, [("ref", "in", window)], ["ref", "unit_amount", "date"], context=ALL_RECORDS)
        )
    return found


def read_back_totals(client: OdooClient, refs: Iterable[str], chunk_size: int = 500) -> tuple[int, Decimal]:
    """Count the batch's lines in Odoo and add up their hours, keeping one window of lines at a time."""
    count, hours = 0, Decimal("0.00")
    for window in chunks(refs, chunk_size):
        found = read_back_timesheets(client, window, chunk_size)
        count += len(found)
        hours += hours_total(row["unit_amount"] for row in found)
    return count, hours


def chunks(items: Iterable, size: int) -> Iterator[list]:
    """Yield lists of `size` items in order, the last one shorter; a list is taken in slices."""
    if isinstance(items, list):
        for start in range(0, len(items), size):
            yield items[start : start + size]
        return
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def post_timesheets(
    client: OdooClient,
    engine: Engine,
    *,
    batch_id: str,
    lines: Iterable[dict],
    chunk_size: int,
    log: logging.Logger | None = None,
    after_chunk: Callable[[int], None] | None = None,
) -> PostingResult:
    """Create the missing timesheet lines of a batch, one create call per chunk.

    `lines` may be an iterator (staging.batches.iter_staged_labor_lines), so a large batch
    is read from staging as it is posted.

    ``after_chunk`` is called with the chunk number once a chunk is in Odoo and in the
    ledger; tests use it to stop the run between two chunks.
    """
    log = log or logger
    result = PostingResult()
    retries_before = client.transient_retries
    register_ids = True

    for chunk_no, chunk in enumerate(chunks(lines, chunk_size), start=1):
        found_first: set[str] = set()
        ids_by_ref = _create_missing(client, chunk, chunk_no, result, log, found_first)

        if register_ids:
            try:
                result.external_ids_registered += _register_external_ids(client, ids_by_ref, found_first)
            except OdooTransientError as error:
                # Registration is repaired on the next run; the lines themselves are safe.
                log.warning("Batch %s: external ids of chunk %d not registered yet: %s", batch_id, chunk_no, error)
            except OdooValidationError as error:
                # The look-up by ref keeps posting exactly-once without ir.model.data, so a
                # user without rights on it (Odoo needs the "Access Rights" group) can still post.
                register_ids = False
                result.external_id_warning = f"external ids not registered in ir.model.data: {error}"
                log.warning("Batch %s: %s", batch_id, result.external_id_warning)

        record_posted(
            engine,
            batch_id=batch_id,
            domain="labor",
            odoo_model=TIMESHEET_MODEL,
            chunk_no=chunk_no,
            ids_by_external_id={ref.split(".", 1)[1]: odoo_id for ref, odoo_id in ids_by_ref.items()},
        )
        result.odoo_ids.extend(ids_by_ref.values())
        result.chunks = chunk_no
        log.info(
            "Batch %s chunk %d: %d lines in Odoo (%d created so far, %d were already there)",
            batch_id, chunk_no, len(ids_by_ref), result.created, result.already_in_odoo,
        )
        if after_chunk is not None:
            after_chunk(chunk_no)

    result.transient_retries += client.transient_retries - retries_before
    return result


def _create_missing(
    client: OdooClient, chunk: list[dict], chunk_no: int, result: PostingResult, log, found_first: set[str] | None = None
) -> dict[str, int]:
    """Look up the chunk's refs, create what is missing in one call, and retry on transient faults.

    A transient fault on create leaves the outcome unknown (the server may have committed),
    so every retry starts with a new look-up and creates only what is still missing.
    ``found_first``, when given, receives the refs that the first look-up found.
    """
    refs = [full_external_id(line["external_id"]) for line in chunk]
    values_by_ref = {ref: timesheet_values(line) for ref, line in zip(refs, chunk, strict=True)}
    attempt = 1
    first_lookup = True
    while True:
        existing = find_existing_timesheets(client, refs)
        if first_lookup:
            result.already_in_odoo += len(existing)
            if found_first is not None:
                found_first.update(existing)
            first_lookup = False
        missing = [ref for ref in refs if ref not in existing]
        if not missing:
            return existing
        try:
            created_ids = client.create_many(TIMESHEET_MODEL, [values_by_ref[ref] for ref in missing])
        except OdooTransientError as error:
            if attempt >= client.retry.max_attempts:
                raise
            delay = client.retry.delay(attempt)
            result.transient_retries += 1
            log.warning(
                "Create of chunk %d failed (%s); looking up what exists and retrying (%d of %d) in %.1f s",
                chunk_no, error, attempt, client.retry.max_attempts - 1, delay,
            )
            time.sleep(delay)
            attempt += 1
            continue
        except OdooValidationError as error:
            if error.kind == "AccessError":
                # Missing rights fail every line alike: no point in looking for a culprit.
                raise PostingRejected(chunk_no, int(chunk[0]["source_row"]), int(chunk[-1]["source_row"]), error) from error
            existing.update(_isolate_rejected(client, chunk, missing, chunk_no, error, result, log))
            return existing
        result.created += len(created_ids)
        existing.update(zip(missing, created_ids, strict=True))
        return existing


def _isolate_rejected(client, chunk, missing, chunk_no, error, result, log) -> dict[str, int]:
    """Find the lines Odoo refuses by creating halves of the refused set, down to single lines.

    Odoo creates a list in one transaction, so one bad line refuses the whole call. Good
    lines still post exactly once (each half starts with a look-up by ref); each bad line
    is returned in ``result.rejected`` with Odoo's message, never retried as it is.
    """
    line_by_ref = {full_external_id(line["external_id"]): line for line in chunk}
    if len(missing) == 1:
        line = line_by_ref[missing[0]]
        result.rejected.append((line, str(error)))
        log.warning("Odoo rejected source row %s of chunk %d: %s", line["source_row"], chunk_no, error)
        return {}
    middle = len(missing) // 2
    found: dict[str, int] = {}
    for half in (missing[:middle], missing[middle:]):
        found.update(_create_missing(client, [line_by_ref[ref] for ref in half], chunk_no, result, log))
    return found


def _register_external_ids(client: OdooClient, ids_by_ref: dict[str, int], found_first: set[str]) -> int:
    """Register the chunk's external ids in ir.model.data and return how many were added.

    Only the names of lines that the chunk's first look-up by ref found are looked up here,
    because this module registers a name only after its line exists. The names of lines created
    now go straight into the create, which saves one request per chunk on a first post. If an
    entry was left under one of those names anyway, Odoo rejects the whole create on the unique
    (module, name) index, so the chunk is registered again with every name looked up.
    """
    names = {ref.split(".", 1)[1]: odoo_id for ref, odoo_id in ids_by_ref.items()}
    looked_up = sorted(ref.split(".", 1)[1] for ref in found_first if ref in ids_by_ref)
    try:
        return _create_external_ids(client, names, looked_up)
    except OdooValidationError as error:
        # Missing rights, or a rejection although every name was looked up, is no leftover entry.
        if error.kind == "AccessError" or len(looked_up) == len(names):
            raise
        return _create_external_ids(client, names, sorted(names))


def _create_external_ids(client: OdooClient, names: dict[str, int], looked_up: list[str]) -> int:
    """Create the ir.model.data entries of `names` that are missing, after looking up those in `looked_up`."""
    known = set()
    if looked_up:
        rows = client.search_read(
            "ir.model.data", [("module", "=", EXTERNAL_ID_MODULE), ("name", "in", looked_up)], ["name"]
        )
        known = {row["name"] for row in rows}
    missing = sorted(set(names) - known)
    if not missing:
        return 0
    client.create_many(
        "ir.model.data",
        [
            {"module": EXTERNAL_ID_MODULE, "name": name, "model": TIMESHEET_MODEL, "res_id": names[name], "noupdate": True}
            for name in missing
        ],
    )
    return len(missing)


def hours_total(values) -> Decimal:
    """Sum hours read back from Odoo (floats) as 2-place decimals."""
    return sum((Decimal(str(value)).quantize(Decimal("0.01")) for value in values), Decimal("0.00"))
