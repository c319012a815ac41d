"""The embedded SFTP server itself: file operations, root confinement, host key, stop and CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import paramiko
import pytest

from resources.sftp import SFTPResource
from sftp_server import EmbeddedSFTPServer

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def test_upload_rename_remove(embedded_sftp):
    with embedded_sftp.resource().open_session() as session:
        sftp = session.sftp
        sftp.mkdir("/drop")
        with sftp.open("/drop/upload.part", "wb") as remote:
            remote.write(b"uploaded bytes")
        sftp.posix_rename("/drop/upload.part", "/drop/upload.csv")
        with sftp.open("/drop/marker.done", "wb"):
            pass

        assert sorted(sftp.listdir("/drop")) == ["marker.done", "upload.csv"]
        assert sftp.stat("/drop/upload.csv").st_size == 14

        sftp.remove("/drop/marker.done")
        assert sftp.listdir("/drop") == ["upload.csv"]

    assert (embedded_sftp.root / "drop" / "upload.csv").read_bytes() == b"uploaded bytes"


def test_rename_onto_existing_fails(embedded_sftp):
    (embedded_sftp.root / "a").write_bytes(b"a")
    (embedded_sftp.root / "b").write_bytes(b"b")

    with embedded_sftp.resource().open_session() as session:
        with pytest.raises(IOError):
            session.sftp.rename("/a", "/b")

    assert (embedded_sftp.root / "b").read_bytes() == b"b"


def test_reads_at_arbitrary_offsets(embedded_sftp):
    content = bytes(range(256)) * 1024
    (embedded_sftp.root / "data.bin").write_bytes(content)

    with embedded_sftp.resource().open_session() as session:
        with session.sftp.open("/data.bin", "rb") as remote:
            chunks = [(offset, remote.readv([(offset, 1000)])) for offset in (200_000, 0, 131_072)]
            results = {offset: b"".join(data) for offset, data in chunks}

    assert results[200_000] == content[200_000:201_000]
    assert results[0] == content[:1000]
    assert results[131_072] == content[131_072:132_072]


def test_lstat_and_stat_on_file(embedded_sftp):
    (embedded_sftp.root / "a.csv").write_bytes(b"12345")
    os.utime(embedded_sftp.root / "a.csv", (1_700_000_000, 1_700_000_000))

    with embedded_sftp.resource().open_session() as session:
        assert session.sftp.stat("/a.csv").st_size == 5
        assert session.sftp.lstat("/a.csv").st_mtime == 1_700_000_000


def test_paths_outside_root_denied(embedded_sftp, tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("outside the served directory")
    os.symlink(secret, embedded_sftp.root / "link_out")

    with embedded_sftp.resource().open_session() as session:
        assert session.sftp.listdir("/../..") == session.sftp.listdir("/")
        with pytest.raises(PermissionError):
            session.sftp.open("/link_out", "rb")


def test_host_key_persists_across_restarts(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    host_key_path = tmp_path / "host_key"

    with EmbeddedSFTPServer(root, host_key_path, "field", password="p") as first:
        first_fingerprint = first.host_key.fingerprint
    with EmbeddedSFTPServer(root, host_key_path, "field", password="p") as second:
        second_fingerprint = second.host_key.fingerprint

    assert first_fingerprint == second_fingerprint
    assert (host_key_path.stat().st_mode & 0o777) == 0o600


def test_write_known_hosts_replaces_entry(embedded_sftp, tmp_path):
    known_hosts = tmp_path / "known_hosts"
    impostor = paramiko.ECDSAKey.generate(bits=256)
    known_hosts.write_text(
        f"[127.0.0.1]:{embedded_sftp.port} {impostor.get_name()} {impostor.get_base64()}\n"
        f"other.example {impostor.get_name()} {impostor.get_base64()}\n"
    )

    embedded_sftp.server.write_known_hosts(known_hosts)

    lines = known_hosts.read_text().splitlines()
    assert embedded_sftp.server.known_hosts_line() in lines
    assert len(lines) == 2
    assert any(line.startswith("other.example ") for line in lines)


def test_stop_closes_connections_and_threads(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    server = EmbeddedSFTPServer(root, tmp_path / "host_key", "field", password="p").start()
    known_hosts = server.write_known_hosts(tmp_path / "known_hosts")
    resource = SFTPResource(
        host="127.0.0.1",
        port=server.port,
        username="field",
        password="p",
        known_hosts_path=str(known_hosts),
        operation_timeout_seconds=2.0,
    )
    port = server.port

    with resource.open_session() as session:
        session.sftp.listdir("/")
        started = time.monotonic()
        server.stop()
        stop_seconds = time.monotonic() - started

        with pytest.raises((OSError, EOFError, paramiko.SSHException)):
            session.sftp.listdir("/")

    server_threads = [
        thread.name
        for thread in threading.enumerate()
        if thread.name.startswith((f"sftp-accept-{port}", "sftp-client-"))
    ]
    assert stop_seconds < 3.0
    assert server_threads == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_requires_password_or_key(tmp_path):
    with pytest.raises(ValueError, match="password"):
        EmbeddedSFTPServer(tmp_path, tmp_path / "host_key", "field")


def test_cli_serves_directory(tmp_path):
    root = tmp_path / "root"
    (root / "drop").mkdir(parents=True)
    (root / "drop" / "a.csv").write_bytes(b"abc")
    known_hosts = tmp_path / "known_hosts"
    environment = {**os.environ, "CLI_TEST_SFTP_PASSWORD": "cli-password"}
    command = [
        sys.executable, "-m", "sftp_server",
        "--root", str(root),
        "--port", "0",
        "--host-key", str(tmp_path / "host_key"),
        "--user", "field",
        "--password-env", "CLI_TEST_SFTP_PASSWORD",
        "--known-hosts", str(known_hosts),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=REPOSITORY_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        first_line = process.stdout.readline()
        assert first_line.startswith("SFTP server listening on 127.0.0.1:"), first_line
        port = int(first_line.split("127.0.0.1:")[1].split(";")[0])

        resource = SFTPResource(
            host="127.0.0.1",
            port=port,
            username="field",
            password="cli-password",
            known_hosts_path=str(known_hosts),
        )
        assert [entry.name for entry in resource.list_directory("/drop")] == ["a.csv"]
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    stderr = process.stderr.read()
    process.stdout.close()
    process.stderr.close()

    assert process.returncode == 0, stderr
    assert "cli-password" not in stderr
    assert "stopped" in stderr


def test_cli_rejects_unset_password_variable(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "UNSET_SFTP_PASSWORD"}
    result = subprocess.run(
        [
            sys.executable, "-m", "sftp_server",
            "--root", str(tmp_path),
            "--host-key", str(tmp_path / "host_key"),
            "--user", "field",
            "--password-env", "UNSET_SFTP_PASSWORD",
        ],  # fmt: skip
        cwd=REPOSITORY_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert "UNSET_SFTP_PASSWORD is not set" in result.stderr
