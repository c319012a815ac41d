"""Posting a staged journal batch: correct earlier batches by reversal, then post each entry once.

Shared by the equipment and accrual domains. Nothing is edited or deleted in Odoo: a
corrected batch for a period that already posted reverses the earlier batch's entries
with new, linked entries, and the audit log ties the two batches together.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine

from odoo_io.client import OdooClient
from odoo_io.journal_entries import (
    AccountingMasterData,
    EntryToPost,
    PostedEntry,
    entry_totals,
    post_entry,
    read_back_entry,
    reversal_of,
)
from staging.batches import record_posted, set_batch_status
from staging.journal import (
    entries_of,
    entry_rows,
    record_audit,
    record_posted_entry,
    superseded_posted_batches,
)

MOVE_MODEL = "account.move"


@dataclass
class JournalPostingResult:
    posted: list[PostedEntry] = field(default_factory=list)
    reversed_batches: list[str] = field(default_factory=list)
    correction_entries: list[PostedEntry] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for entry in self.posted + self.correction_entries if entry.created)


def reverse_superseded_batches(
    client: OdooClient, engine: Engine, batch: dict, master: AccountingMasterData, log: logging.Logger
) -> tuple[list[str], list[PostedEntry]]:
    """Reverse every entry of the partition's earlier posted batches before a corrected batch posts."""
    reversed_batches: list[str] = []
    posted: list[PostedEntry] = []
    for earlier in superseded_posted_batches(engine, batch["domain"], batch["partition_key"], batch["batch_id"]):
        earlier_entries = {entry.entry_key: entry for entry in entries_of(engine, earlier["batch_id"])}
        for row in entry_rows(engine, earlier["batch_id"]):
            if row["odoo_move_id"] is None:
                continue
            entry = earlier_entries[row["entry_key"]]
            reversal = reversal_of(entry, f"{entry.ref}-CORR", f"corr-{entry.entry_key}", row["odoo_date"] or entry.entry_date)
            result = post_entry(client, reversal, master, reversed_move_id=row["odoo_move_id"], log=log)
            record_posted(engine, batch_id=batch["batch_id"], domain=batch["domain"], odoo_model=MOVE_MODEL,
                          chunk_no=0, ids_by_external_id={reversal.ref: result.move_id})
            posted.append(result)
        set_batch_status(engine, earlier["batch_id"], "reversed", f"reversed by corrected batch {batch['batch_id']}")
        record_audit(engine, domain=batch["domain"], partition_key=batch["partition_key"], batch_id=batch["batch_id"],
                     action="reversed_earlier_batch", related_batch_id=earlier["batch_id"],
                     detail=f"entries of batch {earlier['batch_id']} reversed before corrected batch {batch['batch_id']} posted")
        log.info("Batch %s: reversed earlier batch %s", batch["batch_id"], earlier["batch_id"])
        reversed_batches.append(earlier["batch_id"])
    return reversed_batches, posted


def post_journal_batch(
    client: OdooClient, engine: Engine, batch: dict, master: AccountingMasterData, log: logging.Logger
) -> JournalPostingResult:
    """Post the batch's entries in date order, linking each reversal to the entry it reverses."""
    result = JournalPostingResult()
    result.reversed_batches, result.correction_entries = reverse_superseded_batches(client, engine, batch, master, log)

    move_ids_by_ref: dict[str, int] = {}
    for entry in entries_of(engine, batch["batch_id"]):
        reversed_move_id = move_ids_by_ref.get(entry.reverses_ref) if entry.reverses_ref else None
        posted = post_entry(client, entry, master, reversed_move_id=reversed_move_id, log=log)
        move_ids_by_ref[entry.ref] = posted.move_id
        record_posted_entry(engine, batch["batch_id"], entry.entry_key, posted.move_id, posted.name, posted.posted_date)
        record_posted(engine, batch_id=batch["batch_id"], domain=batch["domain"], odoo_model=MOVE_MODEL,
                      chunk_no=1, ids_by_external_id={entry.ref: posted.move_id})
        log.info("Batch %s: entry %s is %s (move %d, %s)", batch["batch_id"], entry.ref, posted.name, posted.move_id,
                 "created now" if posted.created else "already in Odoo")
        result.posted.append(posted)
    return result


def reconcile_entries(client: OdooClient, entries: list[EntryToPost], posted: list[PostedEntry]) -> list[dict]:
    """Read each posted entry back and compare state, date and totals with what was staged."""
    findings = []
    for entry, result in zip(entries, posted, strict=True):
        read = read_back_entry(client, result.move_id)
        debit, credit = entry_totals(entry)
        findings.append({
            "ref": entry.ref,
            "name": read["name"],
            "state": read["state"],
            "intended_date": entry.entry_date.isoformat(),
            "odoo_date": read["date"],
            "staged_debit": str(debit),
            "odoo_debit": str(read["debit_total"]),
            "staged_credit": str(credit),
            "odoo_credit": str(read["credit_total"]),
            "ok": read["state"] == "posted"
            and read["date"] == entry.entry_date.isoformat()
            and read["debit_total"] == debit
            and read["credit_total"] == credit
            and read["debit_total"] == read["credit_total"],
        })
    return findings


def entries_fingerprint(entries: list[EntryToPost], held: list | None = None) -> str:
    """Hash what would reach the books: journals, dates and lines, never the refs.

    Batches are keyed by this hash. A change that alters the entries (new usage, a new rate
    or assignment, a corrected accrual) makes a new batch, which reverses the posted one.
    A change that alters nothing posted (another day's file) keeps the batch.
    ``held`` (the row exceptions) counts only when nothing would post.
    """
    digest = hashlib.sha256()
    for entry in entries:
        digest.update(f"{entry.entry_key}|{entry.journal_code}|{entry.entry_date.isoformat()}\n".encode())
        for line in entry.lines:
            digest.update(f"{line.account_code}|{line.name}|{line.debit}|{line.credit}|{line.job}|{line.cost_code}\n".encode())
    if not entries:
        # Sorted, so the order in which rules or reviewers flagged the rows does not change the key.
        for text in sorted(f"{item.source_file}|{item.source_row}|{item.column}|{item.value}|{item.reason.value}\n"
                           for item in held or []):
            digest.update(text.encode())
    return digest.hexdigest()
