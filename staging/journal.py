"""Journal-entry batches in staging: their entries and items, approvals and the audit log."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import Engine, and_, func, insert, select, update

from odoo_io.journal_entries import EntryLine, EntryToPost
from staging.batches import now
from staging.tables import approvals, audit_log, batches, journal_entries, journal_lines, journal_source_rows


def entries_of(engine: Engine, batch_id: str) -> list[EntryToPost]:
    """Load the staged entries of a batch with their lines, in entry order."""
    with engine.connect() as connection:
        entry_rows = connection.execute(
            select(journal_entries).where(journal_entries.c.batch_id == batch_id).order_by(journal_entries.c.entry_date)
        ).mappings().all()
        line_rows = connection.execute(
            select(journal_lines).where(journal_lines.c.batch_id == batch_id).order_by(journal_lines.c.line_no)
        ).mappings().all()
    refs = {row["entry_key"]: row["ref"] for row in entry_rows}
    result = []
    for row in entry_rows:
        lines = tuple(
            EntryLine(item["account_code"], item["name"], item["debit"], item["credit"], item["job"], item["cost_code"])
            for item in line_rows
            if item["entry_key"] == row["entry_key"]
        )
        reverses = refs.get(row["reverses_entry_key"]) if row["reverses_entry_key"] else None
        result.append(EntryToPost(row["entry_key"], row["ref"], row["journal_code"], row["entry_date"], lines, reverses))
    return result


def entry_rows(engine: Engine, batch_id: str) -> list[dict]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(
            select(journal_entries).where(journal_entries.c.batch_id == batch_id).order_by(journal_entries.c.entry_date)
        ).mappings()]


def record_posted_entry(engine: Engine, batch_id: str, entry_key: str, move_id: int, name: str, posted_date) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(journal_entries)
            .where(and_(journal_entries.c.batch_id == batch_id, journal_entries.c.entry_key == entry_key))
            .values(odoo_move_id=move_id, odoo_name=name, odoo_date=posted_date)
        )


def staged_money_totals(engine: Engine, batch_id: str) -> tuple[Decimal, Decimal]:
    """Debit and credit totals of the batch's staged items, summed by the database."""
    with engine.connect() as connection:
        debit, credit = connection.execute(
            select(func.coalesce(func.sum(journal_lines.c.debit), 0), func.coalesce(func.sum(journal_lines.c.credit), 0))
            .where(journal_lines.c.batch_id == batch_id)
        ).one()
    return Decimal(str(debit)).quantize(Decimal("0.01")), Decimal(str(credit)).quantize(Decimal("0.01"))


# -- approvals -----------------------------------------------------------------------


def record_approval(engine: Engine, batch_id: str, approver: str, reason: str) -> dict:
    """Approve the batch as staged now: its content hash and total debit are stored with the approval."""
    with engine.begin() as connection:
        batch = connection.execute(select(batches).where(batches.c.batch_id == batch_id)).mappings().first()
        if batch is None:
            raise LookupError(f"batch {batch_id} not found in staging")
        if batch["status"] != "awaiting_approval":
            raise ValueError(f"batch {batch_id} is {batch['status']}, not waiting for approval")
        total_debit = batch["staged_amount"] or Decimal("0.00")
        approved_at = now()
        connection.execute(
            insert(approvals).values(
                batch_id=batch_id,
                content_hash=batch["content_hash"],
                total_debit=total_debit,
                approver=approver,
                reason=reason,
                approved_at=approved_at,
            )
        )
        connection.execute(
            insert(audit_log).values(
                recorded_at=approved_at,
                domain=batch["domain"],
                partition_key=batch["partition_key"],
                batch_id=batch_id,
                action="approved",
                related_batch_id=None,
                actor=approver,
                detail=f"approved by {approver}: {reason} (net amount {total_debit}, content {batch['content_hash'][:12]})",
            )
        )
    return {"batch_id": batch_id, "approver": approver, "total_debit": total_debit, "partition_key": batch["partition_key"]}


def approval_for(engine: Engine, batch: dict) -> dict | None:
    """Return the latest approval whose content hash and total match the batch as staged now."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(approvals).where(approvals.c.batch_id == batch["batch_id"]).order_by(approvals.c.approved_at.desc())
        ).mappings().all()
    for row in rows:
        if row["content_hash"] == batch["content_hash"] and row["total_debit"] == (batch["staged_amount"] or Decimal("0.00")):
            return dict(row)
    return None


# -- audit log -------------------------------------------------------------------------


def record_audit(engine: Engine, *, domain: str, partition_key: str, batch_id: str, action: str, detail: str,
                 related_batch_id: str | None = None, actor: str = "pipeline") -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(audit_log).values(
                recorded_at=now(), domain=domain, partition_key=partition_key, batch_id=batch_id,
                action=action, related_batch_id=related_batch_id, detail=detail, actor=actor,
            )
        )


def record_held_rows(engine: Engine, batch: dict, exception_rows: list[dict]) -> None:
    """Log how many rows the gate held and why, so the trail shows rows held from a batch that went on."""
    if not exception_rows:
        return
    rows = len({(item["source_file"], item["source_row"]) for item in exception_rows})
    reasons = ", ".join(f"{reason} {count}" for reason, count in
                        sorted(Counter(item["reason"] for item in exception_rows).items()))
    record_audit(engine, domain=batch["domain"], partition_key=batch["partition_key"], batch_id=batch["batch_id"],
                 action="rows_held", detail=f"{rows} {'row' if rows == 1 else 'rows'} held for review: {reasons}")


def source_rows_of(engine: Engine, batch_id: str, *, held: bool = False) -> list[dict]:
    """Return a journal batch's accepted source rows (or, with ``held``, its held ones) in source order."""
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(
            select(journal_source_rows)
            .where(and_(journal_source_rows.c.batch_id == batch_id, journal_source_rows.c.held == held))
            .order_by(journal_source_rows.c.source_file, journal_source_rows.c.source_row)
        ).mappings()]


def audit_entries(engine: Engine, batch_id: str) -> list[dict]:
    """Return a batch's audit trail, oldest first, with the landing of its file when it came from one.

    A landing is logged under the delivery's content hash, before any batch exists; a labor
    batch keeps that hash as its content hash.
    """
    with engine.connect() as connection:
        content_hash = connection.execute(
            select(batches.c.content_hash).where(batches.c.batch_id == batch_id)
        ).scalar_one_or_none()
        keys = [batch_id, content_hash] if content_hash else [batch_id]
        return [dict(row) for row in connection.execute(
            select(audit_log)
            .where(audit_log.c.batch_id.in_(keys) | (audit_log.c.related_batch_id == batch_id))
            .order_by(audit_log.c.id)
        ).mappings()]


def superseded_posted_batches(engine: Engine, domain: str, partition_key: str, current_batch_id: str) -> list[dict]:
    """Earlier batches of the partition that posted and have not been reversed yet."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(batches).where(
                and_(
                    batches.c.domain == domain,
                    batches.c.partition_key == partition_key,
                    batches.c.batch_id != current_batch_id,
                    batches.c.status.in_(["posted", "reconciled"]),
                )
            )
        ).mappings().all()
    return [dict(row) for row in rows]


def export_audit_csv(engine: Engine, path) -> int:
    """Write the whole audit log, oldest first, to a CSV file for auditors; returns the row count."""
    import csv

    with engine.connect() as connection:
        rows = connection.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
    columns = ["id", "recorded_at", "actor", "domain", "partition_key", "batch_id", "action", "related_batch_id", "detail"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row[column] for column in columns])
    return len(rows)
