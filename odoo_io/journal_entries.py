"""Posting balanced journal entries (account.move) into Odoo, exactly once per batch entry.

Idempotency: every entry carries a ``ref`` built from its domain, partition and batch
(for example ``ACR-2026-11-3f2a9c01d4e5``). Before anything is created the pipeline
searches the journal for that ref: a posted entry is taken as done, a draft one (a
create whose post never happened) is posted, and only a missing one is created. The
lines travel inside the create call as ``(0, 0, values)`` commands, so an entry is
never in Odoo without its lines.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from odoo_io.client import OdooClient
from odoo_io.errors import OdooError, OdooTransientError
from odoo_io.master_data import LOCK_DATE_FIELDS, LockDate

MOVE_MODEL = "account.move"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EntryLine:
    account_code: str
    name: str
    debit: Decimal
    credit: Decimal
    job: str | None = None  # analytic distribution: the job's project account ...
    cost_code: str | None = None  # ... and the cost code's account, 100 % each


@dataclass(frozen=True)
class EntryToPost:
    entry_key: str
    ref: str
    journal_code: str
    entry_date: date
    lines: tuple[EntryLine, ...]
    reverses_ref: str | None = None  # the entry this one reverses, linked by reversed_entry_id


@dataclass
class AccountingMasterData:
    accounts: dict[str, int] = field(default_factory=dict)
    journals: dict[str, int] = field(default_factory=dict)
    analytic_accounts: dict[str, int] = field(default_factory=dict)  # by code: job numbers and cost codes
    combined_analytic_keys: bool = False  # Odoo 18+: "12,34" for accounts of different plans
    lock_date: LockDate | None = None


@dataclass(frozen=True)
class PostedEntry:
    ref: str
    move_id: int
    name: str
    posted_date: date
    created: bool  # False when the entry was found in Odoo already
    date_moved: bool  # True when Odoo posted it on another date than intended (lock date)


class EntryError(OdooError):
    """An entry cannot be posted as staged; the message names the ref and what is wrong."""


def fetch_accounting_master_data(
    client: OdooClient, account_codes: set[str], journal_codes: set[str], analytic_codes: set[str]
) -> AccountingMasterData:
    """Read the account, journal and analytic account ids a batch needs, and the lock date."""
    data = AccountingMasterData()
    if account_codes:
        for row in client.search_read("account.account", [("code", "in", sorted(account_codes))], ["code"]):
            data.accounts[row["code"]] = row["id"]
    if journal_codes:
        for row in client.search_read("account.journal", [("code", "in", sorted(journal_codes))], ["code"]):
            data.journals[row["code"]] = row["id"]
    if analytic_codes:
        rows = client.search_read("account.analytic.account", [("code", "in", sorted(analytic_codes))], ["code"])
        data.analytic_accounts = {row["code"]: row["id"] for row in rows}

    # Odoo 18 joins accounts of different plans in one distribution key and renamed the
    # project's analytic field to account_id (addons/analytic/models/analytic_mixin.py).
    data.combined_analytic_keys = "analytic_account_id" not in client.fields_get("project.project")

    company_fields = client.fields_get("res.company")
    present = [name for name in LOCK_DATE_FIELDS if name in company_fields]
    for company in client.search_read("res.company", [], present) if present else []:
        for name in present:
            if company.get(name):
                day = date.fromisoformat(company[name])
                if data.lock_date is None or day > data.lock_date.day:
                    data.lock_date = LockDate(day=day, field_name=name)
    return data


def missing_master_data(entries: list[EntryToPost], master: AccountingMasterData) -> list[str]:
    """Describe every account, journal or analytic account the entries need but Odoo lacks."""
    problems = []
    for entry in entries:
        if entry.journal_code not in master.journals:
            problems.append(f"journal {entry.journal_code} not found in Odoo")
        for line in entry.lines:
            if line.account_code not in master.accounts:
                problems.append(f"account {line.account_code} not found in Odoo")
            for code in (line.job, line.cost_code):
                if code and code not in master.analytic_accounts:
                    problems.append(f"analytic account {code} not found in Odoo")
    return sorted(set(problems))


def analytic_distribution(line: EntryLine, master: AccountingMasterData) -> dict[str, float] | None:
    """Return the line's distribution in the server version's key format, keys as strings."""
    ids = [master.analytic_accounts[code] for code in (line.job, line.cost_code) if code]
    if not ids:
        return None
    if master.combined_analytic_keys:
        return {",".join(str(account_id) for account_id in ids): 100.0}
    return {str(account_id): 100.0 for account_id in ids}


def move_values(entry: EntryToPost, master: AccountingMasterData, reversed_move_id: int | None) -> dict:
    values = {
        "ref": entry.ref,
        "date": entry.entry_date.isoformat(),
        "journal_id": master.journals[entry.journal_code],
        "move_type": "entry",
        "line_ids": [
            (0, 0, {
                "account_id": master.accounts[line.account_code],
                "name": line.name,
                # Amounts are exact 2-place decimals; Odoo rounds floats to the currency again.
                "debit": float(line.debit),
                "credit": float(line.credit),
                "analytic_distribution": analytic_distribution(line, master),
            })
            for line in entry.lines
        ],
    }
    if reversed_move_id is not None:
        values["reversed_entry_id"] = reversed_move_id
    return values


def find_entry(client: OdooClient, ref: str, journal_id: int) -> dict | None:
    rows = client.search_read(
        MOVE_MODEL, [("ref", "=", ref), ("journal_id", "=", journal_id), ("state", "!=", "cancel")],
        ["state", "name", "date"],
    )
    if len(rows) > 1:
        ids = ", ".join(str(row["id"]) for row in rows)
        raise EntryError(f"{len(rows)} entries with ref {ref} exist in Odoo (ids {ids}); a person must cancel the extra ones")
    return rows[0] if rows else None


def post_entry(
    client: OdooClient,
    entry: EntryToPost,
    master: AccountingMasterData,
    *,
    reversed_move_id: int | None = None,
    log: logging.Logger | None = None,
) -> PostedEntry:
    """Bring one entry to the posted state in Odoo, creating it only if no entry has its ref.

    Every attempt starts with a look-up by ref, so a create or post whose response was lost
    (timeout, dropped connection, proxy error) is found and finished, never repeated.
    """
    log = log or logger
    journal_id = master.journals[entry.journal_code]
    created = False
    attempt = 1
    while True:
        try:
            found = find_entry(client, entry.ref, journal_id)
            if found is None:
                client.create_many(MOVE_MODEL, [move_values(entry, master, reversed_move_id)])
                created = True
                found = find_entry(client, entry.ref, journal_id)
            if found is None:
                raise EntryError(f"entry {entry.ref} was created but cannot be found by its ref")
            if found["state"] == "draft":
                client.call(MOVE_MODEL, "action_post", [found["id"]], retry=False)
                found = find_entry(client, entry.ref, journal_id)
            break
        except OdooTransientError as error:
            if attempt >= client.retry.max_attempts:
                raise
            delay = client.retry.delay(attempt)
            log.warning("Entry %s: %s; looking it up and retrying (%d of %d) in %.1f s",
                        entry.ref, error, attempt, client.retry.max_attempts - 1, delay)
            time.sleep(delay)
            attempt += 1

    if found is None or found["state"] != "posted":
        state = found["state"] if found else "missing"
        raise EntryError(f"entry {entry.ref} is {state} in Odoo after posting")
    posted_date = date.fromisoformat(found["date"])
    return PostedEntry(
        ref=entry.ref,
        move_id=found["id"],
        name=found["name"],
        posted_date=posted_date,
        created=created,
        date_moved=posted_date != entry.entry_date,
    )


def reversal_of(entry: EntryToPost, ref: str, entry_key: str, entry_date: date) -> EntryToPost:
    """Build the entry that cancels ``entry``: the same lines with debit and credit swapped."""
    lines = tuple(
        EntryLine(line.account_code, f"Reversal of {entry.ref}: {line.name}", line.credit, line.debit, line.job, line.cost_code)
        for line in entry.lines
    )
    return EntryToPost(entry_key, ref, entry.journal_code, entry_date, lines, reverses_ref=entry.ref)


def entry_totals(entry: EntryToPost) -> tuple[Decimal, Decimal]:
    return (
        sum((line.debit for line in entry.lines), Decimal("0.00")),
        sum((line.credit for line in entry.lines), Decimal("0.00")),
    )


def read_back_entry(client: OdooClient, move_id: int) -> dict:
    """Read a posted entry's state, date and debit/credit totals from its lines."""
    move = client.search_read(MOVE_MODEL, [("id", "=", move_id)], ["state", "date", "name", "ref"])[0]
    lines = client.search_read("account.move.line", [("move_id", "=", move_id)], ["debit", "credit"])
    move["debit_total"] = sum((Decimal(str(line["debit"])).quantize(Decimal("0.01")) for line in lines), Decimal("0.00"))
    move["credit_total"] = sum((Decimal(str(line["credit"])).quantize(Decimal("0.01")) for line in lines), Decimal("0.00"))
    move["line_count"] = len(lines)
    return move


__all__ = [
    "AccountingMasterData",
    "EntryError",
    "EntryLine",
    "EntryToPost",
    "PostedEntry",
    "fetch_accounting_master_data",
    "missing_master_data",
    "move_values",
    "post_entry",
    "read_back_entry",
    "reversal_of",
]
