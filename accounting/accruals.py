"""The month-end accrual entry and its automatic reversal, built from approved accrual rows.

Each accrual row becomes a job-cost line (debit, or credit for a negative accrual) with
the job and cost code as analytic distribution. One line on the accrued-costs liability
account balances the entry. The reversal has the same lines with debit and credit
swapped, dated the first day of the next period.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd

from accounting.accounts import AccountPlan
from odoo_io.journal_entries import EntryLine, EntryToPost, reversal_of

ZERO = Decimal("0.00")


def period_end(period_start: date) -> date:
    return period_start.replace(day=calendar.monthrange(period_start.year, period_start.month)[1])


def accrual_entries(rows: pd.DataFrame, period_start: date, batch_ref: str, plan: AccountPlan) -> list[EntryToPost]:
    """Build the accrual entry (last day of the period) and its reversal (first day of the next).

    Returns no entries when no row is left to accrue.
    """
    if rows.empty:
        return []
    lines = []
    for row in rows.itertuples(index=False):
        amount: Decimal = row.amount
        name = f"{row.job} {row.cost_code} {row.cost_type} {row.vendor}: {row.description}"[:255]
        account = plan.job_cost_account(row.cost_type)
        if amount >= 0:
            lines.append(EntryLine(account, name, amount, ZERO, row.job, row.cost_code))
        else:
            lines.append(EntryLine(account, name, ZERO, -amount, row.job, row.cost_code))
    total = sum((line.debit - line.credit for line in lines), ZERO)
    balancing = f"Accrued job costs {period_start:%Y-%m}"
    if total >= 0:
        lines.append(EntryLine(plan.accrued_costs_account, balancing, ZERO, total))
    else:
        lines.append(EntryLine(plan.accrued_costs_account, balancing, -total, ZERO))

    accrual = EntryToPost("accrual", batch_ref, plan.accrual_journal, period_end(period_start), tuple(lines))
    reversal = reversal_of(accrual, f"{batch_ref}-REV", "reversal", period_end(period_start) + timedelta(days=1))
    return [accrual, reversal]
