"""ORM methods, domains, access rights and external ids over JSON-RPC and XML-RPC."""

from __future__ import annotations

import xmlrpc.client

import pytest
from odoolib.tools import JsonRPCException


def error_of(caught) -> dict:
    return caught.value.error["data"]


@pytest.fixture
def admin(fresh_odoo_sandbox):
    return fresh_odoo_sandbox.connect("jsonrpc", as_admin=True)


@pytest.fixture
def api(fresh_odoo_sandbox):
    return fresh_odoo_sandbox.connect("jsonrpc")


def barcodes(connection, domain, context=None) -> list[str]:
    employees = connection.get_model("hr.employee")
    ids = employees.search(domain, context=context or {})
    return sorted(record["barcode"] for record in employees.read(ids, ["barcode"], context=context or {}))


def test_domain_prefix_operators(odoo_sandbox_server):
    api = odoo_sandbox_server.connect("jsonrpc")
    assert barcodes(api, ["|", ("barcode", "=", "E1001"), ("barcode", "=", "E1002")]) == ["E1001", "E1002"]
    assert barcodes(api, ["&", ("hourly_cost", ">", 45), "!", ("barcode", "=", "E1047")]) == ["E1001", "E1003", "E1008"]
    assert barcodes(api, ["|", "&", ("barcode", "like", "E100"), ("hourly_cost", "<", 29),
                          ("barcode", "=", "E1047")]) == ["E1007", "E1047"]
    # Consecutive terms are joined with an implicit '&'.
    assert barcodes(api, [("barcode", "=like", "E100_"), ("hourly_cost", ">=", 46)]) == ["E1001", "E1003", "E1008"]


def test_domain_operators(odoo_sandbox_server):
    api = odoo_sandbox_server.connect("jsonrpc")
    assert barcodes(api, [("name", "ilike", "maria")]) == ["E1001"]
    assert barcodes(api, [("name", "like", "maria")]) == []
    assert barcodes(api, [("name", "=ilike", "maria alvarez")]) == ["E1001"]
    assert barcodes(api, [("name", "not ilike", "a")]) == ["E1004"]
    assert barcodes(api, [("barcode", "in", ["E1004", "E1099"])]) == ["E1004"]
    assert barcodes(api, [("barcode", "in", [])]) == []
    assert len(barcodes(api, [("barcode", "not in", ["E1004"])])) == 8
    assert barcodes(api, [("user_id", "=?", False), ("barcode", "=", "E1005")]) == ["E1005"]
    assert len(barcodes(api, [("user_id", "=", False)])) == 9
    assert barcodes(api, [("job_title", "<>", "Laborer"), ("hourly_cost", "<", 40)]) == ["E1002"]


def test_domain_active_filter(odoo_sandbox_server):
    api = odoo_sandbox_server.connect("jsonrpc")
    assert "E1099" not in barcodes(api, [])
    assert barcodes(api, [("active", "=", False)]) == ["E1099"]
    assert "E1099" in barcodes(api, [], context={"active_test": False})
    assert len(barcodes(api, [("active", "in", [True, False])])) == 10


def test_domain_dotted_paths_and_any(odoo_sandbox_server):
    api = odoo_sandbox_server.connect("jsonrpc")
    tasks = api.get_model("project.task")
    ids = tasks.search([("project_id.analytic_account_id.code", "=", "J-2302"), ("name", "=like", "04%")])
    assert [t["name"] for t in tasks.read(ids, ["name"])] == ["04 20 00 Unit Masonry"]
    closed = tasks.search([("project_id.stage_id.fold", "=", True)])
    assert len(closed) == 2
    projects = api.get_model("project.project")
    with_steel = projects.search([("task_ids", "any", [("name", "ilike", "steel")])])
    assert [p["name"] for p in projects.read(with_steel, ["name"])] == ["J-2301 Riverside Medical Office Building"]
    by_name = projects.search([("stage_id", "=", "Closed")])
    assert len(by_name) == 1


def test_domain_invalid_terms(odoo_sandbox_server):
    employees = odoo_sandbox_server.connect("jsonrpc").get_model("hr.employee")
    for domain in ([("barcode", "equals", "E1001")], ["|", ("barcode", "=", "E1001")], [("nope", "=", 1)]):
        with pytest.raises(JsonRPCException) as caught:
            employees.search(domain)
        assert error_of(caught)["name"] == "builtins.ValueError"


def test_search_offset_limit_order_and_count(odoo_sandbox_server):
    employees = odoo_sandbox_server.connect("jsonrpc").get_model("hr.employee")
    ordered = employees.search([], 0, False, "hourly_cost desc")
    costs = [e["hourly_cost"] for e in employees.read(ordered, ["hourly_cost"])]
    assert costs == sorted(costs, reverse=True)
    assert employees.search([], 2, 3, "hourly_cost desc") == ordered[2:5]
    assert employees.search_count([]) == 9
    assert employees.search_count([("hourly_cost", ">", 50)]) == 2


def test_read_value_formats(odoo_sandbox_server):
    api = odoo_sandbox_server.connect("jsonrpc")
    employees = api.get_model("hr.employee")
    record = employees.read(employees.search([("barcode", "=", "E1001")]), [])[0]
    assert record["company_id"] == [1, "Summit Ridge Builders"]
    assert record["user_id"] is False
    assert record["hourly_cost"] == 48.5
    assert record["display_name"] == "Maria Alvarez"
    plain = employees.read([record["id"]], ["company_id"], load=None)[0]
    assert plain["company_id"] == 1
    company = api.get_model("res.company").read([1], ["period_lock_date", "fiscalyear_lock_date"])[0]
    assert company["period_lock_date"] == "2026-10-31"
    projects = api.get_model("project.project")
    project = projects.read(projects.search([("name", "ilike", "J-2301")]), ["task_ids"])[0]
    assert len(project["task_ids"]) == 6


def test_search_read_read_group_fields_get(odoo_sandbox_server):
    admin = odoo_sandbox_server.connect("xmlrpc", as_admin=True)
    employees = admin.get_model("hr.employee")
    rows = employees.search_read([("hourly_cost", ">", 50)], ["barcode"], order="barcode")
    assert [r["barcode"] for r in rows] == ["E1003", "E1047"]
    groups = employees.read_group([], ["hourly_cost"], ["job_title"], orderby="job_title")
    laborers = next(g for g in groups if g["job_title"] == "Laborer")
    assert laborers["job_title_count"] == 2
    assert laborers["hourly_cost"] == pytest.approx(58.25)
    assert ["job_title", "=", "Laborer"] in laborers["__domain"]
    grouped = employees.read_group([], ["hourly_cost:max"], ["company_id", "job_title"], lazy=False)
    assert all("__count" in g for g in grouped)
    assert grouped[0]["company_id"] == [1, "Summit Ridge Builders"]
    fields = admin.get_model("project.project").fields_get([], ["type", "relation", "string"])
    assert fields["analytic_account_id"] == {
        "type": "many2one", "relation": "account.analytic.account", "string": "Analytic Account"}
    assert "account_id" not in fields
    found = admin.get_model("project.task").name_search("Excavation", [("project_id.name", "ilike", "J-2417")])
    assert len(found) == 1
    assert found[0][1] == "31 23 00 Excavation and Fill"
    assert admin.get_model("res.partner").check_access_rights("unlink") is True


def test_api_user_acl(odoo_sandbox_server):
    api = odoo_sandbox_server.connect("jsonrpc")
    assert api.get_model("account.analytic.line").check_access_rights("create") is True
    assert api.get_model("account.analytic.line").check_access_rights("unlink", raise_exception=False) is False
    with pytest.raises(JsonRPCException) as caught:
        api.get_model("project.project").create({"name": "Not allowed"})
    assert error_of(caught)["message"] == (
        "You are not allowed to create 'Project' (project.project) records.\n\n"
        "This operation is allowed for the following groups:\n\t- Administration / Settings\n\n"
        "Contact your administrator to request access if necessary."
    )
    with pytest.raises(JsonRPCException) as caught:
        api.get_model("account.analytic.line").unlink([1])
    assert error_of(caught)["name"] == "odoo.exceptions.AccessError"
    with pytest.raises(JsonRPCException) as caught:
        api.get_model("ir.model.access").search([])
    assert "You are not allowed to access 'Model Access'" in error_of(caught)["message"]


def test_create_single_and_batch_write_unlink(admin):
    partners = admin.get_model("res.partner")
    single = partners.create({"name": "Granite Supply Co", "ref": "V-100"})
    assert isinstance(single, int)
    batch = partners.create([{"name": "Rebar Direct"}, {"name": "Ready Mix West"}])
    assert isinstance(batch, list) and len(batch) == 2
    assert partners.write(batch, {"ref": "V-200"}) is True
    assert partners.search_count([("ref", "=", "V-200")]) == 2
    assert partners.unlink([batch[0]]) is True
    assert partners.read([batch[0], batch[1]], ["name"]) == [{"id": batch[1], "name": "Ready Mix West"}]
    assert partners.unlink([batch[0]]) is True
    with pytest.raises(JsonRPCException) as caught:
        partners.write([batch[0]], {"name": "Gone"})
    assert error_of(caught)["name"] == "odoo.exceptions.MissingError"
    assert error_of(caught)["message"] == (
        f"Record does not exist or has been deleted.\n(Record: res.partner({batch[0]},), User: 2)")
    with pytest.raises(JsonRPCException) as caught:
        partners.create({"name": "X", "no_such_field": 1})
    assert error_of(caught)["message"] == "Invalid field 'no_such_field' on model 'res.partner'"


def test_required_and_foreign_key_messages(admin):
    with pytest.raises(JsonRPCException) as caught:
        admin.get_model("project.project").create({"sequence": 3})
    assert error_of(caught)["name"] == "odoo.exceptions.ValidationError"
    assert error_of(caught)["message"] == (
        "The operation cannot be completed:\n"
        "- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
        "Model: Project (project.project)\nField: Name (name)\n"
    )
    with pytest.raises(JsonRPCException) as caught:
        admin.get_model("project.task").create({"name": "Orphan", "project_id": 9999})
    assert error_of(caught)["message"].startswith(
        "The operation cannot be completed: another model requires the record being deleted.")
    assert "Constraint: project_task_project_id_fkey" in error_of(caught)["message"]


def test_x2many_commands(admin):
    projects = admin.get_model("project.project")
    project = projects.create({"name": "Yard", "task_ids": [(0, 0, {"name": "Fence"}), (0, 0, {"name": "Gate"})]})
    tasks = projects.read([project], ["task_ids"])[0]["task_ids"]
    assert len(tasks) == 2
    projects.write([project], {"task_ids": [(1, tasks[0], {"name": "Fence line"}), (3, tasks[1], 0)]})
    assert projects.read([project], ["task_ids"])[0]["task_ids"] == [tasks[0]]
    assert admin.get_model("project.task").read([tasks[1]], ["project_id"])[0]["project_id"] is False
    users = admin.get_model("res.users")
    groups = users.read([3], ["groups_id"])[0]["groups_id"]
    users.write([3], {"groups_id": [(4, 1, 0)]})
    assert 1 in users.read([3], ["groups_id"])[0]["groups_id"]
    users.write([3], {"groups_id": [(6, 0, groups)]})
    assert sorted(users.read([3], ["groups_id"])[0]["groups_id"]) == sorted(groups)


def test_model_data_unique_and_lookup(api):
    data = api.get_model("ir.model.data")
    vals = {"module": "field_to_odoo", "name": "labor_batch_1_row_1", "model": "account.analytic.line", "res_id": 7}
    assert isinstance(data.create(vals), int)
    with pytest.raises(JsonRPCException) as caught:
        data.create(vals)
    assert error_of(caught)["name"] == "odoo.exceptions.ValidationError"
    assert error_of(caught)["message"].startswith(
        'The operation cannot be completed: duplicate key value violates unique constraint '
        '"ir_model_data_module_name_uniq_index"')
    assert data.check_object_reference("field_to_odoo", "labor_batch_1_row_1") == ["account.analytic.line", 7]
    assert data.check_object_reference("sandbox_demo", "employee_e1001") == ["hr.employee", 1]
    with pytest.raises(JsonRPCException) as caught:
        data.check_object_reference("field_to_odoo", "missing")
    assert error_of(caught)["message"] == "External ID not found in the system: field_to_odoo.missing"
    rows = data.search_read([("module", "=", "field_to_odoo"), ("name", "=", "labor_batch_1_row_1")], ["res_id"])
    assert [r["res_id"] for r in rows] == [7]


def test_transaction_rolls_back_on_error(admin):
    # The second record lacks the required name, so the whole call is rolled back.
    with pytest.raises(JsonRPCException):
        admin.get_model("project.project").create([{"name": "Kept?"}, {"sequence": 1}])
    assert admin.get_model("project.project").search_count([("name", "=", "Kept?")]) == 0


def test_state_survives_restart(tmp_path):
    from tests.fixtures.sandbox import start_sandbox

    path = tmp_path / "restart.sqlite3"
    sandbox = start_sandbox(path)
    partner = sandbox.connect("xmlrpc", as_admin=True).get_model("res.partner").create({"name": "Survivor"})
    sandbox.server.stop()
    sandbox = start_sandbox(path)
    try:
        partners = sandbox.connect("xmlrpc", as_admin=True).get_model("res.partner")
        assert partners.search([("name", "=", "Survivor")]) == [partner]
        assert partners.search_count([("name", "=", "Summit Ridge Builders")]) == 1
    finally:
        sandbox.server.stop()


def test_unknown_database_on_object(odoo_sandbox_server):
    models = xmlrpc.client.ServerProxy(f"{odoo_sandbox_server.url}/xmlrpc/2/object")
    with pytest.raises(xmlrpc.client.Fault) as caught:
        models.execute_kw("other_db", 2, odoo_sandbox_server.admin_password, "res.partner", "search", [[]])
    assert caught.value.faultCode == 1
