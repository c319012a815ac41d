"""Actual job cost read from Odoo: posted journal items on job-cost accounts, and timesheet cost.

Journal items. Posted ``account.move.line`` records on the job-cost accounts (see
accounting.accounts.AccountPlan), dated on or before the period's last day, read in pages. Each
item's balance is spread over its analytic distribution. On 17.0 a key is one analytic
account, so the job and the cost code each have a key with its own percentage. From 18.0 a
key joins accounts of different plans ("12,34") and its percentage applies to the pair. The
job is the analytic account linked to a project; the cost code is an account of another plan.

Timesheets. Timesheet lines (``account.analytic.line`` with a project) carry labor cost as a
negative amount; Odoo keeps it in analytic accounting only, not in the general ledger. They are
summed with read_group by project and task, and reported as cost type L.

Rounding: balances come from Odoo as floats of a 2-decimal currency and are read back as exact
cents. A spread over several jobs or cost codes rounds each share half up to cents and puts the
rounding remainder on the largest share, so the shares of a fully distributed item add up to its
balance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from accounting.accounts import AccountPlan
from odoo_io.client import OdooClient
from odoo_io.master_data import project_analytic_field
from reporting.job_cost import ActualCost

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
NO_JOB = ""  # cost on a job-cost account with no job in its distribution
NO_COST_CODE = ""
LABOR = "L"
_COST_CODE_PREFIX = re.compile(r"^(\d{2} \d{2} \d{2})\b")


@dataclass
class LedgerCosts:
    """Actual cost by job, cost code and cost type, with the ledger totals it must tie to."""

    actuals: list[ActualCost] = field(default_factory=list)
    # What Odoo sums itself, in separate read_group calls: the figures the report must tie to.
    ledger_period: Decimal = ZERO  # posted balances on the job-cost accounts in the period
    ledger_to_date: Decimal = ZERO
    timesheet_period: Decimal = ZERO  # timesheet cost, a positive amount
    timesheet_to_date: Decimal = ZERO
    items_read: int = 0


def fetch_job_costs(
    client: OdooClient, *, period_start: date, period_end: date, plan: AccountPlan | None = None,
    company_id: int | None = None, page_size: int = 500,
) -> LedgerCosts:
    """Read the actual cost of every job for the period and to date from Odoo."""
    plan = plan or AccountPlan()
    cost_type_by_code = {code: cost_type for cost_type, code in plan.job_cost_accounts.items()}
    accounts = {row["id"]: row["code"] for row in client.search_read(
        "account.account", [("code", "in", sorted(cost_type_by_code))], ["code"])}
    link = project_analytic_field(client.fields_get("project.project"))
    jobs_by_account, cost_codes_by_account = _analytic_accounts(client, link)
    company = [("company_id", "=", company_id)] if company_id else []
    costs = LedgerCosts()
    sums: dict[tuple[str, str, str], list[Decimal]] = {}

    # Step 1: journal items on the job-cost accounts, spread over their distribution.
    domain = [("parent_state", "=", "posted"), ("account_id", "in", sorted(accounts)),
              ("date", "<=", period_end.isoformat()), *company]
    for item in client.search_read_pages("account.move.line", domain,
                                         ["date", "balance", "account_id", "analytic_distribution"],
                                         page_size=page_size):
        costs.items_read += 1
        balance = _cents(item["balance"])
        in_period = date.fromisoformat(item["date"]) >= period_start
        cost_type = cost_type_by_code[accounts[item["account_id"][0]]]
        shares = _spread(balance, item["analytic_distribution"] or {}, jobs_by_account, cost_codes_by_account)
        for (job, cost_code), amount in shares.items():
            total = sums.setdefault((job, cost_code, cost_type), [ZERO, ZERO])
            total[1] += amount
            if in_period:
                total[0] += amount

    # Step 2: timesheet cost, by project and task.
    for timesheet_domain, index in (([("date", ">=", period_start.isoformat())], 0), ([], 1)):
        groups = client.read_group(
            "account.analytic.line",
            [("project_id", "!=", False), ("date", "<=", period_end.isoformat()), *timesheet_domain, *company],
            ["amount:sum"], ["project_id", "task_id"],
        )
        jobs_by_project = _project_jobs(client, {group["project_id"][0] for group in groups if group["project_id"]},
                                        jobs_by_account, link)
        for group in groups:
            cost = -_cents(group["amount"])
            job = jobs_by_project.get(group["project_id"][0], NO_JOB) if group["project_id"] else NO_JOB
            match = _COST_CODE_PREFIX.match(group["task_id"][1]) if group["task_id"] else None
            total = sums.setdefault((job, match.group(1) if match else NO_COST_CODE, LABOR), [ZERO, ZERO])
            total[index] += cost

    # Step 3: the totals the report must tie to, summed by Odoo itself in separate queries.
    item_domain = [("parent_state", "=", "posted"), ("account_id", "in", sorted(accounts)), *company]
    timesheet_domain = [("project_id", "!=", False), *company]
    costs.ledger_period = _group_total(client, "account.move.line", "balance", item_domain, period_start, period_end)
    costs.ledger_to_date = _group_total(client, "account.move.line", "balance", item_domain, None, period_end)
    costs.timesheet_period = -_group_total(client, "account.analytic.line", "amount", timesheet_domain,
                                           period_start, period_end)
    costs.timesheet_to_date = -_group_total(client, "account.analytic.line", "amount", timesheet_domain, None, period_end)

    costs.actuals = [ActualCost(job, cost_code, cost_type, period=period, to_date=to_date)
                     for (job, cost_code, cost_type), (period, to_date) in sorted(sums.items())]
    return costs


@dataclass
class JobBillings:
    """Progress billings and retention per job to the period's end, with the ledger totals."""

    billings_to_date: dict[str, Decimal] = field(default_factory=dict)  # credits to contract revenue
    retention_held: dict[str, Decimal] = field(default_factory=dict)  # debits to retention receivable
    ledger_billings: Decimal = ZERO  # summed by Odoo in a separate read_group call
    ledger_retention: Decimal = ZERO


def fetch_job_billings(
    client: OdooClient, *, period_end: date, plan: AccountPlan | None = None, company_id: int | None = None,
    page_size: int = 500,
) -> JobBillings:
    """Read each job's billings to date and retention held from posted items on the billing accounts.

    Items without a job are kept under the empty job, so the figures still add up to the ledger.
    """
    plan = plan or AccountPlan()
    kinds = {plan.contract_revenue_account: "billings", plan.retention_receivable_account: "retention"}
    accounts = {row["id"]: row["code"] for row in client.search_read(
        "account.account", [("code", "in", sorted(kinds))], ["code"])}
    jobs_by_account, cost_codes_by_account = _analytic_accounts(client, project_analytic_field(client.fields_get("project.project")))
    company = [("company_id", "=", company_id)] if company_id else []
    billings = JobBillings()
    domain = [("parent_state", "=", "posted"), ("account_id", "in", sorted(accounts)),
              ("date", "<=", period_end.isoformat()), *company]
    for item in client.search_read_pages("account.move.line", domain, ["balance", "account_id", "analytic_distribution"],
                                         page_size=page_size):
        kind = kinds[accounts[item["account_id"][0]]]
        # Revenue is a credit (negative balance); billings are reported as a positive amount.
        amount = -_cents(item["balance"]) if kind == "billings" else _cents(item["balance"])
        target = billings.billings_to_date if kind == "billings" else billings.retention_held
        for (job, _), share in _spread(amount, item["analytic_distribution"] or {}, jobs_by_account,
                                       cost_codes_by_account).items():
            target[job] = target.get(job, ZERO) + share

    for code, kind in kinds.items():
        ids = [account_id for account_id, account_code in accounts.items() if account_code == code]
        total = _group_total(client, "account.move.line", "balance",
                             [("parent_state", "=", "posted"), ("account_id", "in", ids), *company], None, period_end)
        if kind == "billings":
            billings.ledger_billings = -total
        else:
            billings.ledger_retention = total
    return billings


def _group_total(client: OdooClient, model: str, field_name: str, domain: list, start: date | None, end: date) -> Decimal:
    """Sum one field over a date range with read_group, grouped by company so one call covers all."""
    dates = [("date", "<=", end.isoformat())] + ([("date", ">=", start.isoformat())] if start else [])
    groups = client.read_group(model, domain + dates, [f"{field_name}:sum"], ["company_id"])
    return sum((_cents(group[field_name] or 0) for group in groups), ZERO)


def _analytic_accounts(client: OdooClient, link: str) -> tuple[dict[int, str], dict[int, str]]:
    """Return analytic account codes by id: those linked to a project (jobs), and the others (cost codes)."""
    job_ids = {row[link][0] for row in client.search_read("project.project", [], [link]) if row.get(link)}
    jobs, cost_codes = {}, {}
    for row in client.search_read("account.analytic.account", [], ["code"]):
        if not row.get("code"):
            continue
        (jobs if row["id"] in job_ids else cost_codes)[row["id"]] = row["code"]
    return jobs, cost_codes


def _project_jobs(client: OdooClient, project_ids: set[int], jobs_by_account: dict[int, str], link: str) -> dict[int, str]:
    if not project_ids:
        return {}
    return {row["id"]: jobs_by_account.get(row[link][0], NO_JOB) if row.get(link) else NO_JOB
            for row in client.search_read("project.project", [("id", "in", sorted(project_ids))], [link])}


def _spread(
    balance: Decimal, distribution: dict, jobs: dict[int, str], cost_codes: dict[int, str]
) -> dict[tuple[str, str], Decimal]:
    """Split one item's balance over (job, cost code) pairs by its analytic distribution."""
    job_share: dict[str, Decimal] = {}
    code_share: dict[str, Decimal] = {}
    pair_share: dict[tuple[str, str], Decimal] = {}
    for key, percentage in distribution.items():
        ids = [int(part) for part in str(key).split(",") if part.strip().isdigit()]
        job = next((jobs[i] for i in ids if i in jobs), None)
        code = next((cost_codes[i] for i in ids if i in cost_codes), None)
        share = Decimal(str(percentage)) / 100
        if job is not None and code is not None:
            pair_share[(job, code)] = pair_share.get((job, code), Decimal(0)) + share
        elif job is not None:
            job_share[job] = job_share.get(job, Decimal(0)) + share
        elif code is not None:
            code_share[code] = code_share.get(code, Decimal(0)) + share

    # 17.0: a job key and a cost code key on the same item combine as independent shares.
    for job, j in job_share.items():
        for code, c in (code_share or {NO_COST_CODE: Decimal(1)}).items():
            pair_share[(job, code)] = pair_share.get((job, code), Decimal(0)) + j * c
    if not job_share:
        for code, c in code_share.items():
            pair_share[(NO_JOB, code)] = pair_share.get((NO_JOB, code), Decimal(0)) + c
    unassigned = Decimal(1) - sum(pair_share.values(), Decimal(0))
    if unassigned > 0:
        pair_share[(NO_JOB, NO_COST_CODE)] = pair_share.get((NO_JOB, NO_COST_CODE), Decimal(0)) + unassigned

    amounts = {pair: _cents(balance * share) for pair, share in pair_share.items()}
    remainder = balance - sum(amounts.values(), ZERO)
    # Only a rounding remainder (at most half a cent per share) moves. A distribution over more
    # than 100 % stays as Odoo's analytic lines have it, so the tie-out to the ledger shows it.
    if remainder and amounts and abs(remainder) <= CENT * len(amounts) / 2:
        largest = max(amounts, key=lambda pair: (abs(amounts[pair]), pair))
        amounts[largest] += remainder
    return amounts


def _cents(value) -> Decimal:
    return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
