"""The equipment charge entry: job-cost debits per job and cost code, one credit to recovery."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from accounting.accounts import AccountPlan
from odoo_io.journal_entries import EntryLine, EntryToPost

ZERO = Decimal("0.00")


def equipment_entry(charges: pd.DataFrame, business_date: date, ref: str, plan: AccountPlan) -> list[EntryToPost]:
    """Build one balanced entry for the day's charges; none when nothing is left to charge.

    Each charge line debits the equipment job-cost account with its job and cost code as
    analytic distribution; the recovery account is credited with the exact sum, so the
    entry balances by construction (the shares were allocated by largest remainder).
    """
    if charges.empty:
        return []
    account = plan.job_cost_account("E")
    lines = [
        EntryLine(account, f"{row.unit_id} {row.hours} h on {row.job} {row.cost_code} (rate {row.rate}/h)"[:255],
                  row.amount, ZERO, row.job, row.cost_code)
        for row in charges.itertuples(index=False)
    ]
    total = sum((line.debit for line in lines), ZERO)
    lines.append(EntryLine(plan.equipment_recovery_account, f"Equipment recovery {business_date:%Y-%m-%d}", ZERO, total))
    return [EntryToPost("charge", ref, plan.equipment_journal, business_date, tuple(lines))]
