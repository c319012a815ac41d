"""Where the seeded secrets come from, and how the command line stores the generated ones."""

from __future__ import annotations

import os
import queue
import signal
import socket
import stat
import subprocess
import sys
import threading
import xmlrpc.client
from contextlib import contextmanager
from pathlib import Path

import pytest

from odoo_sandbox.seed import ENVIRONMENT_VARIABLES, resolve_credentials
from odoo_sandbox.server import SandboxServer
from tests.fixtures.sandbox import start_sandbox

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
CLI_OUTPUT_TIMEOUT_SECONDS = 60


@pytest.fixture
def clean_environment(monkeypatch):
    for variable in ENVIRONMENT_VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)


def test_resolve_arguments_override_environment(monkeypatch):
    monkeypatch.setenv("ODOO_SANDBOX_ADMIN_PASSWORD", "admin-from-environment")
    monkeypatch.setenv("ODOO_SANDBOX_API_PASSWORD", "api-from-environment")
    monkeypatch.setenv("ODOO_SANDBOX_API_KEY", "key-from-environment")

    credentials = resolve_credentials(admin_password="admin-from-argument", api_key="key-from-argument")

    assert credentials["admin_password"] == "admin-from-argument"
    assert credentials["api_password"] == "api-from-environment"
    assert credentials["api_key"] == "key-from-argument"


def test_resolve_generates_random_values(clean_environment, monkeypatch):
    monkeypatch.setenv("ODOO_SANDBOX_API_PASSWORD", "")  # an empty variable counts as not set

    first = resolve_credentials()
    second = resolve_credentials()

    assert set(first) == {"admin_password", "api_password", "api_key"}
    for name in first:
        assert len(first[name]) >= 24, name
        assert first[name] != second[name], name
    assert len(first["api_key"]) == 40
    int(first["api_key"], 16)


def test_server_reports_seeded_credentials_once(clean_environment, tmp_path):
    path = tmp_path / "sandbox.sqlite3"
    server = SandboxServer(path, port=0, seed="demo", credentials={"api_key": "given-api-key"}).start()
    try:
        seeded = server.seeded_credentials
        assert seeded["api_key"] == "given-api-key"
        common = xmlrpc.client.ServerProxy(f"{server.url}/xmlrpc/2/common")
        assert common.authenticate(server.database, "admin", seeded["admin_password"], {}) == 2
        assert common.authenticate(server.database, "pipeline-api", seeded["api_password"], {}) == 3
    finally:
        server.stop()

    restarted = SandboxServer(path, port=0, seed="demo").start()
    try:
        assert restarted.seeded_credentials is None
        common = xmlrpc.client.ServerProxy(f"{restarted.url}/xmlrpc/2/common")
        assert common.authenticate(restarted.database, "admin", seeded["admin_password"], {}) == 2
    finally:
        restarted.stop()


def test_fixture_credentials_survive_restart(tmp_path):
    path = tmp_path / "sandbox.sqlite3"
    first = start_sandbox(path)
    first.server.stop()

    second = start_sandbox(path)
    try:
        assert (second.admin_password, second.api_password, second.api_key) == (
            first.admin_password, first.api_password, first.api_key)
        second.connect("xmlrpc", as_admin=True).check_login()
        second.connect("jsonrpc", secret=second.api_password).check_login()
        second.connect("jsonrpc").check_login()
    finally:
        second.server.stop()


def test_fixture_passes_given_credentials(tmp_path):
    sandbox = start_sandbox(tmp_path / "sandbox.sqlite3", credentials={"admin_password": "given-admin-password"})
    try:
        assert sandbox.admin_password == "given-admin-password"
        sandbox.connect("xmlrpc", as_admin=True).check_login()
        sandbox.connect("xmlrpc").check_login()
    finally:
        sandbox.server.stop()


# -- command line ------------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def cli_environment(**variables: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT_VARIABLES.values()}
    environment.update(variables)
    return environment


@contextmanager
def running_cli(data_dir: Path, *arguments: str, environment: dict[str, str] | None = None):
    """Run ``python -m odoo_sandbox serve`` on a free port and yield (url, stdout lines, stderr path).

    The stdout list holds the start-up lines inside the block and every line after it exits.
    """
    stderr_path = data_dir.parent / f"{data_dir.name}-stderr.log"
    command = [sys.executable, "-m", "odoo_sandbox", "serve", "--port", "0", "--data-dir", str(data_dir),
               "--seed", "demo", *arguments]
    with open(stderr_path, "ab") as stderr:
        process = subprocess.Popen(command, cwd=REPOSITORY_ROOT, env=environment or cli_environment(),
                                   stdout=subprocess.PIPE, stderr=stderr, text=True)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line.rstrip("\n")) for line in process.stdout], daemon=True)
    reader.start()
    printed: list[str] = []
    try:
        try:
            first_line = lines.get(timeout=CLI_OUTPUT_TIMEOUT_SECONDS)
        except queue.Empty:
            pytest.fail(f"The sandbox printed nothing within {CLI_OUTPUT_TIMEOUT_SECONDS} s; "
                        f"see {stderr_path}: {stderr_path.read_text()}")
        assert " on http://127.0.0.1:" in first_line, first_line
        url = first_line.rsplit(" on ", 1)[1]
        printed.append(first_line)
        # The credentials line, when there is one, is printed right after the serving line.
        try:
            printed.append(lines.get(timeout=2))
        except queue.Empty:
            pass
        yield url, printed, stderr_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        reader.join(timeout=10)
        process.stdout.close()
        while not lines.empty():
            printed.append(lines.get_nowait())


def authenticate(url: str, login: str, secret: str):
    return xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate("summit_ridge", login, secret, {})


def test_cli_writes_generated_credentials(tmp_path):
    data_dir = tmp_path / "odoo"
    credentials_path = data_dir / "credentials.env"

    with running_cli(data_dir) as (url, printed, stderr_path):
        assert stat.S_IMODE(credentials_path.stat().st_mode) == 0o600
        values = read_env_file(credentials_path)
        assert set(values) == set(ENVIRONMENT_VARIABLES.values())
        assert printed[-1] == f"Generated credentials: {credentials_path}"
        assert authenticate(url, "admin", values["ODOO_SANDBOX_ADMIN_PASSWORD"]) == 2
        assert authenticate(url, "pipeline-api", values["ODOO_SANDBOX_API_PASSWORD"]) == 3
        assert authenticate(url, "pipeline-api", values["ODOO_SANDBOX_API_KEY"]) == 3
    output = "\n".join(printed) + stderr_path.read_text()
    for secret in values.values():
        assert secret not in output

    # A restart of the seeded database keeps both the file and the seeded secrets.
    with running_cli(data_dir) as (url, printed, stderr_path):
        assert read_env_file(credentials_path) == values
        assert printed[-1] == f"Generated credentials: {credentials_path}"
        assert authenticate(url, "admin", values["ODOO_SANDBOX_ADMIN_PASSWORD"]) == 2
    assert not list(data_dir.glob(".credentials.env.*")), "temporary credentials file left behind"


def test_cli_writes_only_generated_values(tmp_path):
    data_dir = tmp_path / "odoo"
    environment = cli_environment(ODOO_SANDBOX_API_PASSWORD="api-password-from-environment")

    with running_cli(data_dir, "--api-key", "api-key-from-argument", environment=environment) as (url, _, _):
        values = read_env_file(data_dir / "credentials.env")
        assert set(values) == {"ODOO_SANDBOX_ADMIN_PASSWORD"}
        assert authenticate(url, "admin", values["ODOO_SANDBOX_ADMIN_PASSWORD"]) == 2
        assert authenticate(url, "pipeline-api", "api-password-from-environment") == 3
        assert authenticate(url, "pipeline-api", "api-key-from-argument") == 3


def test_cli_given_credentials_remove_stale_file(tmp_path):
    data_dir = tmp_path / "odoo"
    data_dir.mkdir()
    (data_dir / "credentials.env").write_text("ODOO_SANDBOX_ADMIN_PASSWORD=from-a-deleted-database\n")
    environment = cli_environment(ODOO_SANDBOX_ADMIN_PASSWORD="admin-from-environment",
                                  ODOO_SANDBOX_API_PASSWORD="api-password-from-environment",
                                  ODOO_SANDBOX_API_KEY="api-key-from-environment")

    with running_cli(data_dir, environment=environment) as (url, printed, _):
        assert not (data_dir / "credentials.env").exists()
        assert len(printed) == 1
        assert authenticate(url, "admin", "admin-from-environment") == 2


def test_cli_saves_credentials_when_port_busy(tmp_path):
    data_dir = tmp_path / "odoo"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        command = [sys.executable, "-m", "odoo_sandbox", "serve", "--port", str(port), "--data-dir", str(data_dir),
                   "--seed", "demo"]
        failed = subprocess.run(command, cwd=REPOSITORY_ROOT, env=cli_environment(), capture_output=True,
                                text=True, timeout=CLI_OUTPUT_TIMEOUT_SECONDS)
    assert failed.returncode != 0
    assert "Address already in use" in failed.stderr

    # The database was seeded before the bind failed, so its secrets must be in the file.
    values = read_env_file(data_dir / "credentials.env")
    with running_cli(data_dir) as (url, _, _):
        assert authenticate(url, "admin", values["ODOO_SANDBOX_ADMIN_PASSWORD"]) == 2
        assert authenticate(url, "pipeline-api", values["ODOO_SANDBOX_API_KEY"]) == 3
