"""The whole demo runs with recognisable secrets, and none of them shows up where people read.

Scanned: the demo's console output, every file of the Dagster instance (run and event
storage, compute logs), the staging database and every workbook the demo wrote (exceptions,
review, health, month-end). Not scanned, because they hold secrets or raw extracts by design:
secrets.env and .env (owner-only files, checked for that), the Odoo sandbox's own database,
the SFTP server's root and host key, and the landing area.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_SCANNED = ("secrets.env", ".env", "odoo", "sftp", "sftp_host_key", "landing")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def readable_text(path: Path) -> bytes:
    """Return the bytes a person or a tool could read: the XML inside a workbook, the file otherwise."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return b"\n".join(archive.read(name) for name in archive.namelist())
    return path.read_bytes()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("secrets_scan")
    demo_dir, dagster_home = base / "demo", base / "dagster_home"
    demo_dir.mkdir()
    dagster_home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", dagster_home / "dagster.yaml")
    values = {
        "DEMO_SFTP_PASSWORD": f"SftpSecret{secrets.token_hex(8)}",
        "DEMO_ODOO_ADMIN_PASSWORD": f"AdminSecret{secrets.token_hex(8)}",
        "DEMO_ODOO_API_PASSWORD": f"ApiSecret{secrets.token_hex(8)}",
        "DEMO_ODOO_API_KEY": secrets.token_hex(20),
    }
    (demo_dir / "secrets.env").write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    (demo_dir / "secrets.env").chmod(0o600)
    env = {**os.environ, "DEMO_DIR": str(demo_dir), "DAGSTER_HOME": str(dagster_home), "PYTHONPATH": str(ROOT),
           "DEMO_SFTP_PORT": str(free_port()), "DEMO_ODOO_PORT": str(free_port())}
    # Run from the temporary folder, so nothing can land in the repository by a relative path.
    result = subprocess.run([sys.executable, "-m", "demo", "run"], cwd=base, env=env, capture_output=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-3000:]
    return demo_dir, dagster_home, result.stdout + result.stderr, list(values.values())


def test_demo_output_has_no_secret(demo_run):
    _, _, output, secret_values = demo_run

    for value in secret_values:
        assert value.encode() not in output


def test_instance_files_have_no_secret(demo_run):
    _, dagster_home, _, secret_values = demo_run
    files = [path for path in dagster_home.rglob("*") if path.is_file()]

    assert any(path.suffix == ".db" for path in files)  # the run and event storage were scanned
    for path in files:
        text = readable_text(path)
        for value in secret_values:
            assert value.encode() not in text, f"{path} contains a secret"


def test_staging_and_workbooks_have_no_secret(demo_run):
    demo_dir, _, _, secret_values = demo_run
    files = [path for path in demo_dir.rglob("*")
             if path.is_file() and not path.relative_to(demo_dir).parts[0] in NOT_SCANNED]

    assert {path.name for path in files} >= {"staging.sqlite", "exceptions.xlsx", "month-end-2026-11.xlsx"}
    assert any(path.parent.name == "review" for path in files)
    for path in files:
        text = readable_text(path)
        for value in secret_values:
            assert value.encode() not in text, f"{path} contains a secret"
        assert b"PRIVATE KEY" not in text, f"{path} contains a private key"


def test_secret_files_are_owner_only(demo_run):
    demo_dir, _, _, _ = demo_run

    for name in ("secrets.env", ".env"):
        mode = stat.S_IMODE((demo_dir / name).stat().st_mode)
        assert mode == 0o600, f"{name} has mode {oct(mode)}"
