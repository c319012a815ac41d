"""The API user's Odoo rights, checked before any data moves, and a warning for administrators."""

import logging
from datetime import date

import pytest

from demo.extracts import sample_labor_rows
from odoo_io import access
from odoo_io.access import ACCESS_BY_DOMAIN, AccessMissing, missing_access, verify_access
from odoo_io.client import OdooClient
from tests.fixtures.sandbox import start_sandbox
from tests.pipeline.harness import LaborHarness


def api_client(sandbox, protocol: str = "jsonrpc") -> OdooClient:
    password = sandbox.api_key if protocol == "json2" else sandbox.api_password
    return OdooClient(host="127.0.0.1", port=sandbox.port, protocol=protocol, database=sandbox.database,
                      login=sandbox.api_login, password=password, timeout_seconds=10.0)


@pytest.mark.parametrize(("version", "protocol"), [("17.0", "jsonrpc"), ("18.0", "xmlrpc"), ("19.0", "json2")])
def test_pipeline_user_has_every_right(tmp_path, version, protocol):
    sandbox = start_sandbox(tmp_path / "sandbox.sqlite3", version=version)
    try:
        client = api_client(sandbox, protocol)

        for domain, needs in ACCESS_BY_DOMAIN.items():
            assert missing_access(client, needs) == [], domain
    finally:
        sandbox.server.stop()


def test_missing_right_is_named(odoo_sandbox_server):
    client = api_client(odoo_sandbox_server)

    assert missing_access(client, [("res.users", "create"), ("hr.employee", "read")]) == ["res.users: create"]


def test_labor_run_stops_before_staging_without_a_right(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path,
                                                         monkeypatch):
    monkeypatch.setitem(access.ACCESS_BY_DOMAIN, "labor", (*access.LABOR_ACCESS, ("res.users", "create")))
    labor = LaborHarness(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path / "landing")
    day = date(2026, 11, 16)
    labor.drop(day, sample_labor_rows(day))

    result = labor.run(day)

    assert not result.success
    failure = str(result.get_step_failure_events()[0].event_specific_data.error)
    assert "lacks access the labor pipeline needs: res.users: create" in failure
    assert labor.batch(day) is None
    assert labor.odoo_lines() == []


def test_administrator_is_warned(odoo_sandbox_server, caplog):
    sandbox = odoo_sandbox_server
    admin = OdooClient(host="127.0.0.1", port=sandbox.port, protocol="jsonrpc", database=sandbox.database,
                       login=sandbox.admin_login, password=sandbox.admin_password, timeout_seconds=10.0)

    with caplog.at_level(logging.WARNING):
        verify_access(admin, "reporting", sandbox.admin_login, logging.getLogger("test"))
        verify_access(api_client(sandbox), "reporting", sandbox.api_login, logging.getLogger("test"))

    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert f"Odoo user {sandbox.admin_login!r} is a Settings administrator" in warnings[0]


def test_access_missing_lists_every_right(odoo_sandbox_server, monkeypatch):
    monkeypatch.setitem(access.ACCESS_BY_DOMAIN, "reporting", (("res.users", "create"), ("res.users", "unlink")))

    with pytest.raises(AccessMissing, match="res.users: create; res.users: unlink"):
        verify_access(api_client(odoo_sandbox_server), "reporting", "pipeline-api", logging.getLogger("test"))
