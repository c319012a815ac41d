"""The demo company's books before the pipeline ran: job cost to date and progress billings.

A WIP schedule needs each job's cost and billings since it started, which the demo's few
November days do not give. These entries stand for what the firm's vendor bills, payroll and
billing system posted earlier. They are posted once, by ref, as the sandbox's administrator
(the pipeline's API user has no rights on these journals), and a second demo run finds them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from demo.settings import ODOO_DATABASE, DemoSettings
from odoo_io.client import OdooClient
from odoo_io.journal_entries import EntryLine, EntryToPost, fetch_accounting_master_data, post_entry
from odoo_sandbox.seed import DEMO_ADMIN_LOGIN

# (job, cost code, account by cost type, amount) of job cost through 2026-10-31.
COST_TO_OCTOBER = [
    ("J-2301", "03 30 00", "5400", "240000.00"), ("J-2301", "03 30 00", "5100", "150000.00"),
    ("J-2301", "05 12 00", "5400", "360000.00"), ("J-2301", "01 50 00", "5900", "50000.00"),
    ("J-2302", "03 30 00", "5200", "70000.00"), ("J-2302", "04 20 00", "5400", "150000.00"),
    ("J-2302", "03 11 00", "5100", "50000.00"),
    ("J-2417", "03 41 00", "5200", "520000.00"), ("J-2417", "31 23 00", "5300", "70000.00"),
    ("J-2417", "03 30 00", "5100", "290000.00"),
]
# (job, billed to date, of which retention withheld), billed on 2026-11-30.
BILLINGS_TO_NOVEMBER = [
    ("J-2301", "1050000.00", "105000.00"),
    ("J-2302", "300000.00", "30000.00"),
    ("J-2417", "950000.00", "95000.00"),
]
PAYABLE = "2000"
RECEIVABLE = "1100"
RETENTION = "1150"
REVENUE = "4000"


def post_ledger_history(settings: DemoSettings) -> int:
    """Post the history entries that are not in the sandbox yet; return how many were created."""
    client = OdooClient(host="127.0.0.1", port=settings.odoo_port, protocol="jsonrpc", database=ODOO_DATABASE,
                        login=DEMO_ADMIN_LOGIN, password=settings.odoo_admin_password)
    created = 0
    for entry in history_entries():
        master = fetch_accounting_master_data(
            client, {line.account_code for line in entry.lines}, {entry.journal_code},
            {code for line in entry.lines for code in (line.job, line.cost_code) if code},
        )
        created += post_entry(client, entry, master).created
    return created


def history_entries() -> list[EntryToPost]:
    entries = []
    for job in sorted({row[0] for row in COST_TO_OCTOBER}):
        lines = [EntryLine(account, f"{job} cost to date, {code}", Decimal(amount), Decimal("0.00"), job, code)
                 for row_job, code, account, amount in COST_TO_OCTOBER if row_job == job]
        total = sum((line.debit for line in lines), Decimal("0.00"))
        lines.append(EntryLine(PAYABLE, f"{job} vendor bills and payroll to October", Decimal("0.00"), total))
        entries.append(EntryToPost("history", f"HIST-COST-{job}", "MISC", date(2026, 10, 31), tuple(lines)))
    for job, billed, retention in BILLINGS_TO_NOVEMBER:
        billed, retention = Decimal(billed), Decimal(retention)
        entries.append(EntryToPost("billing", f"HIST-BILL-{job}", "BILL", date(2026, 11, 30), (
            EntryLine(RECEIVABLE, f"{job} progress billings to November", billed - retention, Decimal("0.00")),
            EntryLine(RETENTION, f"{job} retention withheld", retention, Decimal("0.00"), job),
            EntryLine(REVENUE, f"{job} progress billings to November", Decimal("0.00"), billed, job),
        )))
    return entries
