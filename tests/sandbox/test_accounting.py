"""Accounting rules of account.move and account.move.line, through odoolib over real HTTP."""

from __future__ import annotations

import calendar
import datetime as dt
import xmlrpc.client

import pytest
from odoolib.tools import JsonRPCException

from tests.fixtures.sandbox import start_sandbox

NBSP = "\N{NO-BREAK SPACE}"


@pytest.fixture(params=["17.0", "18.0"])
def sandbox(request, tmp_path):
    running = start_sandbox(tmp_path / "sandbox.sqlite3", version=request.param)
    yield running
    running.server.stop()


@pytest.fixture
def sandbox17(tmp_path):
    running = start_sandbox(tmp_path / "sandbox.sqlite3", version="17.0")
    yield running
    running.server.stop()


def major(sandbox) -> int:
    return int(sandbox.server.version.split(".")[0])


def ids_by_code(connection, model: str, codes) -> dict[str, int]:
    rows = connection.get_model(model).search_read([("code", "in", list(codes))], ["code"])
    return {row["code"]: row["id"] for row in rows}


def message_of(caught) -> str:
    return caught.value.error["data"]["message"]


def accrual_lines(accounts, amount: float, distribution=None) -> list:
    debit = {"account_id": accounts["5100"], "name": "Labor accrual", "debit": amount}
    if distribution is not None:
        debit["analytic_distribution"] = distribution
    return [(0, 0, debit), (0, 0, {"account_id": accounts["2105"], "name": "Labor accrual", "credit": amount})]


def create_entry(connection, journal: str, date: str, lines, ref="RUN-1") -> int:
    journal_id = ids_by_code(connection, "account.journal", [journal])[journal]
    return connection.get_model("account.move").create(
        {"journal_id": journal_id, "date": date, "ref": ref, "line_ids": lines})


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_post_names_monthly_misc_entry(sandbox, protocol):
    api = sandbox.connect(protocol)
    accounts = ids_by_code(api, "account.account", ["5100", "2105"])
    moves = api.get_model("account.move")
    move_id = create_entry(api, "MISC", "2026-11-20", accrual_lines(accounts, 16800.0))
    draft = moves.read([move_id], ["name", "state", "move_type", "amount_total", "line_ids"])[0]
    assert draft["name"] == "/"
    assert draft["state"] == "draft"
    assert draft["move_type"] == "entry"
    assert draft["amount_total"] == 16800.0
    assert len(draft["line_ids"]) == 2

    assert moves.action_post([move_id]) is False
    posted = moves.read([move_id], ["name", "state", "posted_before", "date"])[0]
    assert posted["name"] == "MISC/2026/11/0001"
    assert posted["state"] == "posted"
    assert posted["posted_before"] is True
    second = create_entry(api, "MISC", "2026-11-21", accrual_lines(accounts, 10.0))
    moves.action_post([second])
    assert moves.read([second], ["name"])[0]["name"] == "MISC/2026/11/0002"
    lines = api.get_model("account.move.line").search_read(
        [("move_id", "=", move_id)], ["parent_state", "balance", "date"])
    assert {line["parent_state"] for line in lines} == {"posted"}
    assert sorted(line["balance"] for line in lines) == [-16800.0, 16800.0]


def test_sale_journal_numbers_yearly(sandbox):
    admin = sandbox.connect(as_admin=True)
    accounts = ids_by_code(admin, "account.account", ["1100", "4900"])
    admin.get_model("account.journal").create({"name": "Customer Invoices", "code": "INV", "type": "sale"})
    move_id = create_entry(admin, "INV", "2026-11-20", [
        (0, 0, {"account_id": accounts["1100"], "debit": 50.0}),
        (0, 0, {"account_id": accounts["4900"], "credit": 50.0}),
    ])
    admin.get_model("account.move").action_post([move_id])
    assert admin.get_model("account.move").read([move_id], ["name"])[0]["name"] == "INV/2026/00001"


def test_unbalanced_entry_refused(sandbox):
    api = sandbox.connect("jsonrpc")
    accounts = ids_by_code(api, "account.account", ["5100", "2105"])
    lines = [(0, 0, {"account_id": accounts["5100"], "debit": 16800.0}),
             (0, 0, {"account_id": accounts["2105"], "credit": 16000.0})]
    with pytest.raises(JsonRPCException) as caught:
        create_entry(api, "MISC", "2026-11-20", lines)
    move_id = caught.value.error["data"]["message"].split("(* ")[1].split(")")[0]
    assert caught.value.error["data"]["name"] == "odoo.exceptions.UserError"
    assert message_of(caught) == (
        "An error has occurred.\n\n"
        f"The move (Draft Entry (* {move_id})) is not balanced.\n"
        f"The total of debits equals ${NBSP}16,800.00 and the total of credits equals ${NBSP}16,000.00.\n"
        'You might want to specify a default account on journal "Miscellaneous Operations" '
        "to automatically balance each move."
    )
    assert api.get_model("account.move").search([]) == []


def test_unbalancing_line_write_refused(sandbox):
    api = sandbox.connect("jsonrpc")
    accounts = ids_by_code(api, "account.account", ["5100", "2105"])
    move_id = create_entry(api, "MISC", "2026-11-20", accrual_lines(accounts, 100.0))
    line_id = api.get_model("account.move.line").search([("move_id", "=", move_id), ("debit", ">", 0)])[0]
    with pytest.raises(JsonRPCException) as caught:
        api.get_model("account.move.line").write([line_id], {"debit": 90.0})
    assert "is not balanced" in message_of(caught)
    # Both sides changed in one write through line_ids stay balanced.
    credit_id = api.get_model("account.move.line").search([("move_id", "=", move_id), ("credit", ">", 0)])[0]
    api.get_model("account.move").write([move_id], {"line_ids": [
        (1, line_id, {"debit": 90.0}), (1, credit_id, {"credit": 90.0})]})
    assert api.get_model("account.move").read([move_id], ["amount_total"])[0]["amount_total"] == 90.0


def test_debit_and_credit_both_set_refused(sandbox):
    api = sandbox.connect("jsonrpc")
    accounts = ids_by_code(api, "account.account", ["5100", "2105"])
    lines = [(0, 0, {"account_id": accounts["5100"], "debit": 100.0, "credit": 100.0}),
             (0, 0, {"account_id": accounts["2105"], "debit": 0.0, "credit": 0.0})]
    with pytest.raises(JsonRPCException) as caught:
        create_entry(api, "MISC", "2026-11-20", lines)
    assert caught.value.error["data"]["name"] == "odoo.exceptions.ValidationError"
    suffix = " !" if major(sandbox) == 17 else "!"
    assert message_of(caught) == f"The operation cannot be completed: Wrong credit or debit value in accounting entry{suffix}"


def test_line_without_account_refused(sandbox):
    api = sandbox.connect("jsonrpc")
    accounts = ids_by_code(api, "account.account", ["2105"])
    lines = [(0, 0, {"name": "no account", "debit": 5.0}), (0, 0, {"account_id": accounts["2105"], "credit": 5.0})]
    with pytest.raises(JsonRPCException) as caught:
        create_entry(api, "MISC", "2026-11-20", lines)
    assert message_of(caught) == "The operation cannot be completed: Missing required account on accountable line."


def expected_post_date(first_allowed: dt.date) -> dt.date:
    """The date Odoo gives a monthly numbered entry posted into a locked period."""
    today = dt.date.today()
    if (today.year, today.month) > (first_allowed.year, first_allowed.month):
        return first_allowed.replace(day=calendar.monthrange(first_allowed.year, first_allowed.month)[1])
    return max(first_allowed, today)


def test_post_into_locked_period_moves_date(sandbox):
    api = sandbox.connect("jsonrpc")
    accounts = ids_by_code(api, "account.account", ["5100", "2105"])
    moves = api.get_model("account.move")
    move_id = create_entry(api, "MISC", "2026-10-15", accrual_lines(accounts, 100.0))
    moves.action_post([move_id])
    # 17.0: a non-adviser is held by period_lock_date 2026-10-31. 18.0: a general journal is
    # held only by the global and hard lock dates (2025-12-31), so October stays open.
    first_allowed = dt.date(2026, 11, 1) if major(sandbox) == 17 else None
    posted = moves.read([move_id], ["date", "name"])[0]
    if first_allowed is None:
        assert posted["date"] == "2026-10-15"
        assert posted["name"] == "MISC/2026/10/0001"
    else:
        date = expected_post_date(first_allowed)
        assert posted["date"] == date.isoformat()
        assert posted["name"] == f"MISC/{date.year}/{date.month:02d}/0001"
    older = create_entry(api, "MISC", "2025-06-30", accrual_lines(accounts, 1.0))
    moves.action_post([older])
    assert moves.read([older], ["date"])[0]["date"] >= "2026-01-01"


def test_adviser_held_by_fiscal_year_lock_only(sandbox17):
    admin = sandbox17.connect(as_admin=True)
    accounts = ids_by_code(admin, "account.account", ["5100", "2105"])
    move_id = create_entry(admin, "MISC", "2026-10-15", accrual_lines(accounts, 100.0))
    admin.get_model("account.move").action_post([move_id])
    assert admin.get_model("account.move").read([move_id], ["date"])[0]["date"] == "2026-10-15"


def test_reset_inside_lock_date_refused(sandbox):
    admin = sandbox.connect(as_admin=True)
    accounts = ids_by_code(admin, "account.account", ["5100", "2105"])
    moves = admin.get_model("account.move")
    move_id = create_entry(admin, "MISC", "2026-12-01", accrual_lines(accounts, 100.0))
    moves.action_post([move_id])
    company = admin.get_model("res.company").search([])[0]
    admin.get_model("res.company").write([company], {"fiscalyear_lock_date": "2026-12-31"})
    with pytest.raises(JsonRPCException) as caught:
        moves.button_draft([move_id])
    if major(sandbox) == 17:
        assert message_of(caught) == "You cannot add/modify entries prior to and inclusive of the lock date 12/31/2026."
    else:
        assert message_of(caught) == (
            "You cannot add/modify entries prior to and inclusive of: Global Lock Date (12/31/2026).")
    api = sandbox.connect("jsonrpc")
    with pytest.raises(JsonRPCException) as caught:
        api.get_model("account.move").button_draft([move_id])
    if major(sandbox) == 17:
        assert message_of(caught) == (
            "You cannot add/modify entries prior to and inclusive of the lock date 12/31/2026. "
            "Check the company settings or ask someone with the 'Adviser' role")


def test_edit_posted_entry(sandbox):
    api = sandbox.connect("jsonrpc")
    accounts = ids_by_code(api, "account.account", ["5100", "2105"])
    moves = api.get_model("account.move")
    move_id = create_entry(api, "MISC", "2026-11-20", accrual_lines(accounts, 100.0))
    moves.action_post([move_id])
    line_id = api.get_model("account.move.line").search([("move_id", "=", move_id), ("debit", ">", 0)])[0]
    if major(sandbox) >= 18:
        with pytest.raises(JsonRPCException) as caught:
            moves.write([move_id], {"date": "2026-11-21", "line_ids": [(1, line_id, {"name": "x"})]})
        assert message_of(caught) == "You cannot modify the following readonly fields on a posted move: date, line_ids"
    # ref is not protected and not unique.
    moves.write([move_id], {"ref": "RUN-2"})
    other = create_entry(api, "MISC", "2026-11-20", accrual_lines(accounts, 5.0), ref="RUN-2")
    assert sorted(moves.search([("ref", "=", "RUN-2")])) == sorted([move_id, other])


def test_delete_posted_entry_refused(sandbox):
    api = sandbox.connect("jsonrpc")
    accounts = ids_by_code(api, "account.account", ["5100", "2105"])
    moves = api.get_model("account.move")
    move_id = create_entry(api, "MISC", "2026-11-20", accrual_lines(accounts, 100.0))
    moves.action_post([move_id])
    expected = {
        17: "You cannot delete an item linked to a posted entry.",
        18: "You can't delete a posted journal item. Don\u2019t play games with your accounting records; "
            "reset the journal entry to draft before deleting it.",
    }[major(sandbox)]
    with pytest.raises(JsonRPCException) as caught:
        moves.unlink([move_id])
    assert message_of(caught) == expected
    line_id = api.get_model("account.move.line").search([("move_id", "=", move_id)])[0]
    with pytest.raises(JsonRPCException) as caught:
        api.get_model("account.move.line").unlink([line_id])
    assert message_of(caught) == expected
    draft = create_entry(api, "MISC", "2026-11-20", accrual_lines(accounts, 1.0))
    assert moves.unlink([draft]) is True
    assert api.get_model("account.move.line").search([("move_id", "=", draft)]) == []


def test_button_draft_xmlrpc_faults_after_commit(sandbox):
    api = sandbox.connect("xmlrpc")
    accounts = ids_by_code(api, "account.account", ["5100", "2105"])
    cost_code = ids_by_code(api, "account.analytic.account", ["03 30 00"])["03 30 00"]
    moves = api.get_model("account.move")
    move_id = create_entry(api, "MISC", "2026-11-20", accrual_lines(accounts, 100.0, {str(cost_code): 100.0}))
    moves.action_post([move_id])
    analytic = api.get_model("account.analytic.line")
    assert len(analytic.search([("move_line_id.move_id", "=", move_id)])) == 1
    with pytest.raises(xmlrpc.client.Fault) as caught:
        moves.button_draft([move_id])
    assert "cannot marshal None unless allow_none is enabled" in str(caught.value.faultCode)
    after = moves.read([move_id], ["state", "name", "posted_before"])[0]
    assert after["state"] == "draft"
    assert after["name"] == "MISC/2026/11/0001"
    assert after["posted_before"] is True
    assert analytic.search([("move_line_id.move_id", "=", move_id)]) == []
    # A number survives the reset: posting again keeps it.
    moves.action_post([move_id])
    assert moves.read([move_id], ["name"])[0]["name"] == "MISC/2026/11/0001"


def test_reversing_entry_linked_directly(sandbox):
    api = sandbox.connect("jsonrpc")
    accounts = ids_by_code(api, "account.account", ["5100", "2105"])
    moves = api.get_model("account.move")
    original = create_entry(api, "ACCR", "2026-11-30", accrual_lines(accounts, 250.0))
    moves.action_post([original])
    journal = ids_by_code(api, "account.journal", ["ACCR"])["ACCR"]
    reversal = moves.create({
        "journal_id": journal, "date": "2026-12-01", "ref": "Reversal of: ACCR/2026/11/0001",
        "reversed_entry_id": original,
        "line_ids": [(0, 0, {"account_id": accounts["5100"], "credit": 250.0}),
                     (0, 0, {"account_id": accounts["2105"], "debit": 250.0})],
    })
    moves.action_post([reversal])
    link_field = "reversal_move_id" if major(sandbox) == 17 else "reversal_move_ids"
    assert moves.read([original], [link_field])[0][link_field] == [reversal]
    read = moves.read([reversal], ["reversed_entry_id", "name"])[0]
    assert read["reversed_entry_id"] == [original, "ACCR/2026/11/0001"]
    assert read["name"] == "ACCR/2026/12/0001"


def test_reversal_wizard(sandbox):
    api = sandbox.connect("jsonrpc")
    accounts = ids_by_code(api, "account.account", ["5100", "2105"])
    moves = api.get_model("account.move")
    original = create_entry(api, "ACCR", "2026-11-30", accrual_lines(accounts, 75.0))
    moves.action_post([original])
    wizard = api.get_model("account.move.reversal").create(
        {"move_ids": [(6, 0, [original])], "date": "2026-12-01", "reason": "auto-reverse"})
    method = "reverse_moves" if major(sandbox) == 17 else "refund_moves"
    action = getattr(api.get_model("account.move.reversal"), method)([wizard])
    reversal = action["res_id"]
    read = moves.read([reversal], ["reversed_entry_id", "state", "ref", "date"])[0]
    assert read["reversed_entry_id"][0] == original
    assert read["state"] == "posted"
    assert read["ref"] == "Reversal of: ACCR/2026/11/0001, auto-reverse"
    lines = api.get_model("account.move.line").search_read([("move_id", "=", reversal)], ["account_id", "balance"])
    assert {line["account_id"][0]: line["balance"] for line in lines} == {accounts["5100"]: -75.0, accounts["2105"]: 75.0}


def test_analytic_lines_on_post(sandbox):
    api = sandbox.connect("jsonrpc")
    accounts = ids_by_code(api, "account.account", ["5100", "2105"])
    job = ids_by_code(api, "account.analytic.account", ["J-2301"])["J-2301"]
    cost_code = ids_by_code(api, "account.analytic.account", ["03 30 00"])["03 30 00"]
    if major(sandbox) == 17:
        distribution = {job: 60.0, cost_code: 40.0}
    else:
        distribution = {f"{job},{cost_code}": 100.0}
    move_id = create_entry(api, "MISC", "2026-11-20", accrual_lines(accounts, 1000.0, distribution))
    line_id = api.get_model("account.move.line").search([("move_id", "=", move_id), ("debit", ">", 0)])[0]
    stored = api.get_model("account.move.line").read([line_id], ["analytic_distribution"])[0]
    assert all(isinstance(key, str) for key in stored["analytic_distribution"])
    api.get_model("account.move").action_post([move_id])
    fields = ["amount", "account_id", "general_account_id", "move_line_id", "date"]
    if major(sandbox) >= 18:
        fields.append("x_plan2_id")
    lines = api.get_model("account.analytic.line").search_read([("move_line_id", "=", line_id)], fields)
    if major(sandbox) == 17:
        assert sorted((line["account_id"][0], line["amount"]) for line in lines) == sorted(
            [(job, -600.0), (cost_code, -400.0)])
    else:
        assert len(lines) == 1
        assert lines[0]["amount"] == -1000.0
        assert lines[0]["account_id"][0] == job
        assert lines[0]["x_plan2_id"][0] == cost_code
    assert {line["general_account_id"][0] for line in lines} == {accounts["5100"]}
    assert {line["date"] for line in lines} == {"2026-11-20"}


def test_mandatory_plan_checked_only_on_request(sandbox17):
    admin = sandbox17.connect(as_admin=True)
    plans = admin.get_model("account.analytic.plan")
    plans.write(plans.search([("name", "=", "Cost Codes")]), {"default_applicability": "mandatory"})
    api = sandbox17.connect("jsonrpc")
    accounts = ids_by_code(api, "account.account", ["5100", "2105"])
    moves = api.get_model("account.move")
    move_id = create_entry(api, "MISC", "2026-11-20", accrual_lines(accounts, 10.0))
    with pytest.raises(JsonRPCException) as caught:
        moves.action_post([move_id], context={"validate_analytic": True})
    assert message_of(caught) == "One or more lines require a 100% analytic distribution."
    assert moves.action_post([move_id]) is False


def test_post_refused_for_archived_journal_and_deprecated_account(sandbox):
    admin = sandbox.connect(as_admin=True)
    api = sandbox.connect("jsonrpc")
    accounts = ids_by_code(api, "account.account", ["5100", "2105", "5900"])
    moves = api.get_model("account.move")
    move_id = create_entry(api, "EQP", "2026-11-20", accrual_lines(accounts, 10.0))
    journal = ids_by_code(admin, "account.journal", ["EQP"])["EQP"]
    admin.get_model("account.journal").write([journal], {"active": False})
    with pytest.raises(JsonRPCException) as caught:
        moves.action_post([move_id])
    assert message_of(caught) == "You cannot post an entry in an archived journal (Equipment Charges)"
    admin.get_model("account.journal").write([journal], {"active": True})
    admin.get_model("account.account").write([accounts["5100"]], {"deprecated": True})
    with pytest.raises(JsonRPCException) as caught:
        moves.action_post([move_id])
    assert message_of(caught) == "A line of this move is using a deprecated account, you cannot post it."


def test_account_and_journal_codes_unique(sandbox):
    admin = sandbox.connect(as_admin=True)
    vals = {"code": "5100", "name": "Duplicate", "account_type": "expense"}
    with pytest.raises(JsonRPCException) as caught:
        admin.get_model("account.account").create(vals)
    if major(sandbox) == 17:
        assert message_of(caught) == (
            "The operation cannot be completed: The code of the account must be unique per company !")
    else:
        assert message_of(caught) == (
            "Account codes must be unique. You can't create accounts with these duplicate codes: 5100")
    with pytest.raises(JsonRPCException) as caught:
        admin.get_model("account.journal").create({"code": "MISC", "name": "Again", "type": "general"})
    assert message_of(caught) == "The operation cannot be completed: Journal codes must be unique per company."
    with pytest.raises(JsonRPCException) as caught:
        admin.get_model("account.journal").create({"code": "TOOLONG", "name": "Long", "type": "general"})
    assert "value too long for type character varying(5)" in message_of(caught)


def test_api_user_access(sandbox):
    api = sandbox.connect("jsonrpc")
    for model in ("account.account", "account.journal", "account.analytic.plan", "account.analytic.account",
                  "maintenance.equipment", "account.move", "account.move.line"):
        assert api.get_model(model).search_count([]) >= 0
    with pytest.raises(JsonRPCException) as caught:
        api.get_model("account.account").create({"code": "9999", "name": "No", "account_type": "expense"})
    assert caught.value.error["data"]["name"] == "odoo.exceptions.AccessError"
    with pytest.raises(JsonRPCException) as caught:
        api.get_model("maintenance.equipment").write([1], {"name": "renamed"})
    assert caught.value.error["data"]["name"] == "odoo.exceptions.AccessError"


@pytest.mark.parametrize("version", ["17.0", "18.0", "19.0"])
def test_accounting_seed_present(tmp_path, version):
    running = start_sandbox(tmp_path / "sandbox.sqlite3", version=version)
    try:
        protocol = "json2" if version == "19.0" else "jsonrpc"
        api = running.connect(protocol)
        accounts = api.get_model("account.account").search_read([], ["code", "name", "account_type"])
        by_code = {row["code"]: (row["name"], row["account_type"]) for row in accounts}
        assert by_code["5100"] == ("Job Cost - Labor", "expense")
        assert by_code["4900"] == ("Equipment Recovery", "income_other")
        assert by_code["2150"] == ("Accrued Job Costs", "liability_current")
        assert by_code["4000"] == ("Contract Revenue", "income")
        assert by_code["1150"] == ("Retention Receivable", "asset_current")
        assert set(by_code) == {"1100", "1150", "2000", "2105", "2150", "4000", "4900", "5100", "5200", "5300", "5400",
                                "5900"}
        journals = api.get_model("account.journal").search_read([], ["code", "name", "type"])
        assert {row["code"]: row["type"] for row in journals} == {"MISC": "general", "EQP": "general", "ACCR": "general",
                                                                       "BILL": "general"}
        plan = api.get_model("account.analytic.plan").search([("name", "=", "Cost Codes")])
        assert plan == [2]
        codes = api.get_model("account.analytic.account").search_read([("plan_id", "=", 2)], ["code", "name"])
        assert {"code": "03 30 00", "name": "Cast-in-Place Concrete"} in [
            {"code": row["code"], "name": row["name"]} for row in codes]
        assert len(codes) == 11
        units = api.get_model("maintenance.equipment").search_read(
            [], ["name", "serial_no", "active"], context={"active_test": False})
        assert {row["serial_no"]: (row["name"], row["active"]) for row in units} == {
            "PIN0000042": ("EX-104 Excavator 21t", True),
            "PIN0000077": ("LDR-220 Wheel loader", True),
            "PIN0000105": ("CRN-310 Crawler crane 90t", True),
            "PIN0000099": ("EX-099 Excavator 14t", False),
        }
    finally:
        running.server.stop()


def test_json2_posts_entry_with_line_commands(tmp_path):
    running = start_sandbox(tmp_path / "sandbox.sqlite3", version="19.0")
    try:
        api = running.connect("json2")
        accounts = ids_by_code(api, "account.account", ["5300", "4900"])
        journal = ids_by_code(api, "account.journal", ["EQP"])["EQP"]
        created = api.get_model("account.move").create({"journal_id": journal, "date": "2026-11-20", "line_ids": [
            [0, 0, {"account_id": accounts["5300"], "debit": 420.0}],
            [0, 0, {"account_id": accounts["4900"], "credit": 420.0}],
        ]})
        move_id = created[0] if isinstance(created, list) else created
        api.get_model("account.move").action_post([move_id])
        posted = api.get_model("account.move").search_read([("id", "=", move_id)], ["name", "state"])
        assert posted == [{"id": move_id, "name": "EQP/2026/11/0001", "state": "posted"}]
    finally:
        running.server.stop()
