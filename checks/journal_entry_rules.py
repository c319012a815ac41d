"""Checks of staged journal entries before they post: balance and analytic completeness."""

from __future__ import annotations

from decimal import Decimal

from odoo_io.journal_entries import EntryToPost, entry_totals

CENT = Decimal("0.01")


def unbalanced_entries(entries: list[EntryToPost]) -> list[str]:
    """Describe every entry whose debits and credits differ, or whose amounts have more than 2 places.

    Totals are compared as exact decimals: there is no tolerance, because the amounts were
    rounded once, when the lines were built.
    """
    problems = []
    for entry in entries:
        debit, credit = entry_totals(entry)
        if debit != credit:
            problems.append(f"entry {entry.ref}: debits {debit} and credits {credit} differ by {debit - credit}")
        for line in entry.lines:
            if line.debit != line.debit.quantize(CENT) or line.credit != line.credit.quantize(CENT):
                problems.append(f"entry {entry.ref}: line {line.name!r} has an amount with more than 2 places")
            if line.debit and line.credit:
                problems.append(f"entry {entry.ref}: line {line.name!r} has both a debit and a credit")
    return problems


def analytic_gaps(entries: list[EntryToPost], job_cost_prefix: str = "5") -> list[str]:
    """Describe job-cost lines without a full distribution: 100 % to a job and 100 % to a cost code.

    Odoo checks mandatory plans only when the posting button sets validate_analytic, so an
    entry posted over RPC is not checked there; this check is the pipeline's own.
    """
    problems = []
    for entry in entries:
        for line in entry.lines:
            if not line.account_code.startswith(job_cost_prefix):
                continue
            missing = [plan for plan, code in (("job", line.job), ("cost code", line.cost_code)) if not code]
            if missing:
                problems.append(f"entry {entry.ref}: job-cost line {line.name!r} has no {' and no '.join(missing)}")
    return problems
