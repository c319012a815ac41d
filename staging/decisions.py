"""Finance decisions on staged batches: accept a warning, exclude rows, reject, approve.

Every decision is validated against the batch as it is staged now and stored with who,
when, why and the batch's content hash. The audit log records it too. The next run of the
partition applies the decision (see ``exclusions_for``, ``is_rejected``, ``acceptances_for``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Engine, and_, insert, select

from staging.batches import as_utc, batch_exceptions, current_batch, now, set_batch_status
from staging.journal import record_approval
from staging.tables import audit_log, batches, decisions, exceptions, journal_source_rows, labor_lines, posting_ledger

DECISIONS = ("accept_warning", "exclude_rows", "reject", "approve")

# Balancing and integrity checks: their failure needs a corrected source, never a decision.
UNACCEPTABLE_CHECKS = {
    "control_totals_match", "rows_accounted_for", "entries_balanced", "analytic_distribution_complete",
    "period_open", "odoo_matches_staging",
}
WARN_CHECKS_BY_DOMAIN = {
    "labor": {"no_rows_held_for_review", "overtime_after_regular_hours"},
    "equipment": {"no_rows_held_for_review"},
    "accruals": {"no_rows_held_for_review", "accrual_swing_within_threshold"},
}
# A labor batch in these states has sent its lines to Odoo, and the pipeline never reverses
# timesheet lines, so excluding one of them would leave staging and Odoo apart.
LABOR_POSTED_STATUSES = {"posting", "posted", "reconciled"}
# A batch in these states has reached Odoo (or been undone there), so rejecting it would not take
# anything back out of the books. A batch still "posting" has reached Odoo once its ledger has rows.
POSTED_STATUSES = {"posted", "reconciled", "reversed"}


class DecisionRefused(ValueError):
    """The decision cannot be recorded. The message gives the reason and what to do instead."""


@dataclass(frozen=True)
class Decision:
    batch_id: str
    decision: str
    decided_by: str
    reason: str
    check_name: str | None = None
    source_rows: tuple[tuple[str, int], ...] = ()  # (source file, row) pairs, for exclude_rows
    content_hash: str | None = None  # the content the reviewer saw; refused if it changed


def record_decision(engine: Engine, decision: Decision) -> int:
    """Validate and store a decision; returns its id. Raises DecisionRefused with the reason."""
    if decision.decision not in DECISIONS:
        raise DecisionRefused(f"unknown decision {decision.decision!r}; use one of {', '.join(DECISIONS)}")
    if not decision.decided_by.strip() or not decision.reason.strip():
        raise DecisionRefused("a decision needs the reviewer's name and a reason")
    with engine.connect() as connection:
        batch = connection.execute(select(batches).where(batches.c.batch_id == decision.batch_id)).mappings().first()
    if batch is None:
        with engine.connect() as connection:
            seen = connection.execute(
                select(audit_log.c.id).where(audit_log.c.batch_id == decision.batch_id).limit(1)
            ).first()
        history = "a newer batch of its date replaced it" if seen else "no batch with this id was ever staged"
        raise DecisionRefused(
            f"batch {decision.batch_id} not found in staging: {history}. List current batches with "
            "`python -m staging batches`"
        )
    current = current_batch(engine, batch["domain"], batch["partition_key"])
    if current["batch_id"] != decision.batch_id:
        raise DecisionRefused(
            f"batch {decision.batch_id} was replaced by {current['batch_id']} after new content arrived; review that batch"
        )
    if decision.content_hash and decision.content_hash != batch["content_hash"]:
        raise DecisionRefused(f"batch {decision.batch_id} changed since it was reviewed; review it again")

    if decision.decision == "reject":
        _check_rejection(engine, batch)
    elif decision.decision == "accept_warning":
        _check_acceptance(engine, decision, batch)
    elif decision.decision == "exclude_rows":
        _check_rows(engine, decision, batch)
    elif decision.decision == "approve":
        try:
            record_approval(engine, decision.batch_id, decision.decided_by, decision.reason)
        except (LookupError, ValueError) as error:
            raise DecisionRefused(str(error)) from error

    with engine.begin() as connection:
        decision_id = connection.execute(insert(decisions).values(
            batch_id=decision.batch_id, domain=batch["domain"], partition_key=batch["partition_key"],
            content_hash=batch["content_hash"], decision=decision.decision, check_name=decision.check_name,
            source_rows=json.dumps(_rows_with_record_ids(engine, decision)) if decision.source_rows else None,
            decided_by=decision.decided_by, reason=decision.reason, decided_at=now(),
        )).inserted_primary_key[0]
        connection.execute(insert(audit_log).values(
            recorded_at=now(), domain=batch["domain"], partition_key=batch["partition_key"], batch_id=decision.batch_id,
            action=f"decided_{decision.decision}", related_batch_id=None, actor=decision.decided_by,
            detail=_describe(decision),
        ))
    if decision.decision == "reject":
        set_batch_status(engine, decision.batch_id, "rejected", f"rejected by {decision.decided_by}: {decision.reason}",
                         actor=decision.decided_by)
    return int(decision_id)


def _check_rejection(engine: Engine, batch) -> None:
    if batch["status"] == "rejected":
        raise DecisionRefused(f"batch {batch['batch_id']} is already rejected ({batch['status_reason']})")
    with engine.connect() as connection:
        # NOTE: a create whose response was lost leaves no ledger row until the next run looks it up,
        # so a batch stuck in "posting" right after such a fault can still be rejected.
        in_ledger = connection.execute(
            select(posting_ledger.c.external_id).where(posting_ledger.c.batch_id == batch["batch_id"]).limit(1)
        ).first()
    if batch["status"] in POSTED_STATUSES or in_ledger:
        fix = ("correct the timesheet lines in Odoo, or send a correction row" if batch["domain"] == "labor" else
               "correct the source, and the next run reverses the posted entries and posts the corrected ones")
        raise DecisionRefused(
            f"batch {batch['batch_id']} is {batch['status']}: it has reached Odoo, and rejecting it would not take it "
            f"out of the books; {fix}"
        )


def _check_acceptance(engine: Engine, decision: Decision, batch) -> None:
    if decision.check_name in UNACCEPTABLE_CHECKS:
        raise DecisionRefused(
            f"{decision.check_name} is a balancing or integrity check; its failure cannot be accepted and needs a "
            "corrected source"
        )
    warnings = WARN_CHECKS_BY_DOMAIN[batch["domain"]]
    if decision.check_name not in warnings:
        raise DecisionRefused(
            f"unknown warning {decision.check_name!r} for a {batch['domain']} batch; use one of {', '.join(sorted(warnings))}"
        )
    if decision.check_name == "no_rows_held_for_review" and not batch_exceptions(engine, decision.batch_id):
        raise DecisionRefused(f"batch {decision.batch_id} has no held rows, so there is no warning to accept")


def _check_rows(engine: Engine, decision: Decision, batch) -> None:
    if not decision.source_rows:
        raise DecisionRefused("exclude_rows needs at least one row (source file and row number)")
    with engine.connect() as connection:
        rows_by_table = {
            table.name: {
                (row.source_file, int(row.source_row))
                for row in connection.execute(
                    select(table.c.source_file, table.c.source_row).where(table.c.batch_id == decision.batch_id)
                )
            }
            for table in (labor_lines, journal_source_rows, exceptions)
        }
    known = set().union(*rows_by_table.values())
    missing = [f"{file} row {row}" for file, row in decision.source_rows if (file, int(row)) not in known]
    if missing:
        raise DecisionRefused(f"not in batch {decision.batch_id}: {', '.join(missing)}")
    if batch["domain"] != "labor":
        with engine.connect() as connection:
            staged = {(row.source_file, int(row.source_row)) for row in connection.execute(
                select(journal_source_rows.c.source_file, journal_source_rows.c.source_row).where(and_(
                    journal_source_rows.c.batch_id == decision.batch_id, journal_source_rows.c.held.is_(False))))}
        # NOTE: labor relabels an excluded held row; the journal domains do not, so they refuse it.
        held = [f"{file} row {row}" for file, row in decision.source_rows if (file, int(row)) not in staged]
        if held:
            raise DecisionRefused(
                f"{', '.join(held)} of batch {decision.batch_id} is already held and does not post, so there is "
                "nothing to exclude; its next step is in the review workbook"
            )
    if batch["domain"] == "labor" and batch["status"] in LABOR_POSTED_STATUSES:
        posted = [f"{file} row {row}" for file, row in decision.source_rows
                  if (file, int(row)) in rows_by_table[labor_lines.name]]
        if posted:
            raise DecisionRefused(
                f"{', '.join(posted)} already posted to Odoo with batch {decision.batch_id}, and the pipeline does not "
                "reverse timesheet lines: correct the line in Odoo, or send a correction row"
            )


def _describe(decision: Decision) -> str:
    if decision.decision == "accept_warning":
        return f"accepted {decision.check_name}: {decision.reason}"
    if decision.decision == "exclude_rows":
        rows = ", ".join(f"{file} row {row}" for file, row in decision.source_rows)
        return f"excluded {rows}: {decision.reason}"
    return f"{decision.decision}: {decision.reason}"


def _decisions_for(engine: Engine, batch_id: str, kind: str) -> list[dict]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(
            select(decisions).where(and_(decisions.c.batch_id == batch_id, decisions.c.decision == kind))
            .order_by(decisions.c.id)
        ).mappings()]


def exclusions_for(engine: Engine, batch_id: str) -> dict[tuple[str, int], dict]:
    """Rows excluded from the batch by a reviewer, with the decision that excluded each."""
    found = {}
    for item in _decisions_for(engine, batch_id, "exclude_rows"):
        for file, row, *_ in json.loads(item["source_rows"] or "[]"):
            found[(file, int(row))] = item
    return found


def earlier_exclusions_by_record(engine: Engine, domain: str, partition_key: str, batch_id: str) -> dict[str, dict]:
    """Source records excluded on the partition's other batches, keyed by source record id.

    A corrected file or source makes a new batch, and its row numbers may move. An exclusion
    follows the record instead, so a corrected control total does not bring back a row the
    reviewer excluded. Rows without a record id cannot be followed.
    """
    with engine.connect() as connection:
        earlier = connection.execute(
            select(decisions).where(and_(
                decisions.c.domain == domain, decisions.c.partition_key == partition_key,
                decisions.c.decision == "exclude_rows", decisions.c.batch_id != batch_id,
            )).order_by(decisions.c.id)
        ).mappings().all()
    found = {}
    for item in earlier:
        for _, _, *record in json.loads(item["source_rows"] or "[]"):
            if record and record[0]:
                found[record[0]] = dict(item)
    return found


def _rows_with_record_ids(engine: Engine, decision: Decision) -> list[list]:
    """Return [file, row, source record id] for each excluded row, so the exclusion can follow the record."""
    with engine.connect() as connection:
        record_ids = {}
        for table in (labor_lines, journal_source_rows, exceptions):
            for row in connection.execute(select(table.c.source_file, table.c.source_row, table.c.source_record_id)
                                          .where(table.c.batch_id == decision.batch_id)):
                if row.source_record_id:
                    record_ids.setdefault((row.source_file, int(row.source_row)), row.source_record_id)
    return [[file, int(row), record_ids.get((file, int(row)))] for file, row in decision.source_rows]


def is_rejected(engine: Engine, batch_id: str) -> dict | None:
    rejections = _decisions_for(engine, batch_id, "reject")
    return rejections[-1] if rejections else None


def acceptances_for(engine: Engine, batch_id: str) -> dict[str, dict]:
    return {item["check_name"]: item for item in _decisions_for(engine, batch_id, "accept_warning")}


def awaits_replay(engine: Engine, decision: dict) -> bool:
    """Tell whether a run of the decision's partition has yet to apply it.

    A decision is applied once its batch was staged again after it, or once another batch
    replaced it. Replaying those would only queue runs in front of newer decisions.
    """
    current = current_batch(engine, decision["domain"], decision["partition_key"])
    if current is None or current["batch_id"] != decision["batch_id"]:
        return False
    return as_utc(current["staged_at"]) <= as_utc(decision["decided_at"])


def decisions_after(engine: Engine, last_id: int) -> list[dict]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(
            select(decisions).where(decisions.c.id > last_id).order_by(decisions.c.id)
        ).mappings()]
