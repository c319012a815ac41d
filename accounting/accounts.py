"""The chart-of-accounts codes the entries use, by job-cost type."""

from __future__ import annotations

from dataclasses import dataclass, field

# Job-cost accounts by cost type (L labor, M materials, E equipment, S subcontract, O other).
DEFAULT_JOB_COST_ACCOUNTS = {"L": "5100", "M": "5200", "E": "5300", "S": "5400", "O": "5900"}


@dataclass(frozen=True)
class AccountPlan:
    """Account and journal codes of one firm's chart; the defaults match the sandbox's demo chart."""

    job_cost_accounts: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_JOB_COST_ACCOUNTS))
    accrued_costs_account: str = "2150"
    contract_revenue_account: str = "4000"  # progress billings are credited here, by job
    retention_receivable_account: str = "1150"  # the part of billings the customer withholds
    equipment_recovery_account: str = "4900"
    accrual_journal: str = "ACCR"
    equipment_journal: str = "EQP"

    def job_cost_account(self, cost_type: str) -> str:
        return self.job_cost_accounts[cost_type]
