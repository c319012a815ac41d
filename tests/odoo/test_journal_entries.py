"""Posting journal entries into the sandbox exactly once, under faults that hide the outcome."""

from datetime import date
from decimal import Decimal

import pytest

from checks.journal_entry_rules import analytic_gaps, unbalanced_entries
from odoo_io.client import OdooClient
from odoo_io.journal_entries import EntryLine, EntryToPost, fetch_accounting_master_data, post_entry, reversal_of
from odoo_sandbox.faults import FaultRule

D = Decimal


def client_for(sandbox, timeout: float = 10.0) -> OdooClient:
    return OdooClient(host="127.0.0.1", port=sandbox.port, protocol="jsonrpc", database=sandbox.database,
                      login=sandbox.api_login, password=sandbox.api_password, timeout_seconds=timeout)


def entry(ref: str = "EQP-TEST-1", day: date = date(2026, 11, 17)) -> EntryToPost:
    return EntryToPost("charge", ref, "EQP", day, (
        EntryLine("5300", "EX-104 on J-2301", D("333.34"), D("0.00"), "J-2301", "03 30 00"),
        EntryLine("5300", "EX-104 on J-2302", D("333.33"), D("0.00"), "J-2302", "31 23 00"),
        EntryLine("5300", "EX-104 on J-2417", D("333.33"), D("0.00"), "J-2417", "03 11 00"),
        EntryLine("4900", "Equipment recovery", D("0.00"), D("1000.00")),
    ))


def master_for(client, staged: EntryToPost):
    return fetch_accounting_master_data(
        client, {line.account_code for line in staged.lines}, {staged.journal_code},
        {code for line in staged.lines for code in (line.job, line.cost_code) if code},
    )


def moves_with_ref(client, ref: str) -> list[dict]:
    return client.search_read("account.move", [("ref", "=", ref)], ["state", "name", "date"])


def test_entry_posts_once_and_rerun_finds_it(fresh_odoo_sandbox):
    client = client_for(fresh_odoo_sandbox)
    staged = entry()
    master = master_for(client, staged)

    first = post_entry(client, staged, master)
    second = post_entry(client, staged, master)

    assert first.created and not second.created
    assert first.move_id == second.move_id
    assert first.name == "EQP/2026/11/0001"
    assert [move["state"] for move in moves_with_ref(client, staged.ref)] == ["posted"]


@pytest.mark.parametrize(("method", "action"), [("create", "status"), ("create", "drop"), ("action_post", "status"),
                                                ("action_post", "delay")])
def test_lost_answer_is_looked_up_not_repeated(fresh_odoo_sandbox, method, action):
    # The server commits, then the client sees a 503, a dropped connection or a timeout.
    client = client_for(fresh_odoo_sandbox, timeout=1.0)
    client.retry = type(client.retry)(max_attempts=3, backoff_seconds=0.01)
    staged = entry(ref=f"EQP-FAULT-{method}-{action}")
    master = master_for(client, staged)
    fresh_odoo_sandbox.server.injector.add(FaultRule(model="account.move", method=method, count=1, action=action,
                                                     status=503, when="after", delay_seconds=2.0))

    posted = post_entry(client, staged, master)

    moves = moves_with_ref(client, staged.ref)
    assert len(moves) == 1
    assert moves[0]["state"] == "posted"
    assert posted.move_id == moves[0]["id"]


def test_draft_left_by_a_crash_is_posted_not_duplicated(fresh_odoo_sandbox):
    client = client_for(fresh_odoo_sandbox)
    staged = entry(ref="EQP-DRAFT-1")
    master = master_for(client, staged)
    fresh_odoo_sandbox.server.injector.add(FaultRule(model="account.move", method="action_post", count=5, status=503))
    client.retry = type(client.retry)(max_attempts=1, backoff_seconds=0.01)
    with pytest.raises(Exception):
        post_entry(client, staged, master)
    assert [move["state"] for move in moves_with_ref(client, staged.ref)] == ["draft"]
    fresh_odoo_sandbox.server.injector.clear()

    posted = post_entry(client, staged, master)

    assert not posted.created
    assert [move["state"] for move in moves_with_ref(client, staged.ref)] == ["posted"]


def test_reversal_is_linked_and_swaps_lines(fresh_odoo_sandbox):
    client = client_for(fresh_odoo_sandbox)
    staged = entry(ref="EQP-REV-1")
    master = master_for(client, staged)
    original = post_entry(client, staged, master)

    reversal = reversal_of(staged, "EQP-REV-1-CORR", "corr", staged.entry_date)
    posted = post_entry(client, reversal, master, reversed_move_id=original.move_id)

    move = client.search_read("account.move", [("id", "=", posted.move_id)], ["reversed_entry_id"])[0]
    assert move["reversed_entry_id"][0] == original.move_id
    assert reversal.lines[0].credit == staged.lines[0].debit


def test_unbalanced_entry_is_caught_before_odoo():
    staged = entry()
    broken = EntryToPost(staged.entry_key, staged.ref, staged.journal_code, staged.entry_date,
                         (*staged.lines[:3], EntryLine("4900", "Equipment recovery", D("0.00"), D("999.99"))))

    assert unbalanced_entries([staged]) == []
    assert unbalanced_entries([broken]) == ["entry EQP-TEST-1: debits 1000.00 and credits 999.99 differ by 0.01"]


def test_job_cost_line_without_cost_code_is_caught():
    staged = entry()
    broken = EntryToPost(staged.entry_key, staged.ref, staged.journal_code, staged.entry_date,
                         (EntryLine("5300", "no phase", D("10.00"), D("0.00"), "J-2301", None),
                          EntryLine("4900", "recovery", D("0.00"), D("10.00"))))

    assert analytic_gaps([staged]) == []
    assert analytic_gaps([broken]) == ["entry EQP-TEST-1: job-cost line 'no phase' has no cost code"]
