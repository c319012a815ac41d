"""SFTPResource against the embedded SFTP server: login, host keys, listing, fetch and timeouts."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import dagster as dg
import paramiko
import pytest

from resources.sftp import (
    HostKeyChangedError,
    IncompleteTransferError,
    ListingEntry,
    RemoteFile,
    SFTPAuthenticationError,
    SFTPError,
    SFTPTimeoutError,
    UnknownHostKeyError,
    assess_completeness,
)
from tests.fixtures.sftp import CLIENT_KEY_PASSPHRASE
from tests.sftp.netfaults import SilentListener, StallingProxy


def epoch(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())


def labor_export(size: int, rows: int = 412) -> bytes:
    """Build a labor CSV of exactly `size` bytes: `rows` detail rows and a `T,count,hours` trailer.

    411 rows of 8.00 hours and one of 9.50 give 3297.50 hours; a memo column pads the size.
    """
    header = "R,employee,work_date,job,cost_code,pay_type,hours,memo\n"
    hours = [Decimal("8.00")] * (rows - 1) + [Decimal("9.50")]
    trailer = f"T,{rows},{sum(hours)}\n"
    bare = [f"D,E{i:04d},2024-03-11,J1001,03 30 00 L,REG,{h}," for i, h in enumerate(hours)]
    padding = size - len(header) - len(trailer) - sum(len(line) + 1 for line in bare)
    assert padding >= 0, "size too small for the rows"
    per_row, remainder = divmod(padding, rows)
    lines = [
        line + "x" * (per_row + (remainder if i == 0 else 0)) + "\n" for i, line in enumerate(bare)
    ]
    content = (header + "".join(lines) + trailer).encode()
    assert len(content) == size
    return content


def write_remote(root: Path, relative: str, content: bytes, mtime: int | None = None) -> Path:
    path = root / relative.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def leftover_files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


# --- login --------------------------------------------------------------------------------


def test_password_login_lists_directory(embedded_sftp):
    write_remote(embedded_sftp.root, "drop/labor/a.csv", b"abc", mtime=1_700_000_000)
    (embedded_sftp.root / "drop/labor/archive").mkdir()

    listing = embedded_sftp.resource().list_directory("/drop/labor")

    assert listing == [ListingEntry("a.csv", 3, 1_700_000_000)]


def test_key_login_with_passphrase(embedded_sftp):
    write_remote(embedded_sftp.root, "drop/a.csv", b"abc")

    listing = embedded_sftp.key_resource().list_directory("/drop")

    assert [entry.name for entry in listing] == ["a.csv"]


def test_wrong_password_error_hides_password(embedded_sftp):
    wrong_password = "not-the-password-9731"
    resource = embedded_sftp.resource(password=wrong_password)

    with pytest.raises(SFTPAuthenticationError) as caught:
        resource.list_directory("/")

    message = str(caught.value)
    assert "authentication with password failed" in message
    assert f"field@127.0.0.1:{embedded_sftp.port}" in message
    assert wrong_password not in message
    assert wrong_password not in repr(caught.value)
    assert wrong_password not in str(caught.value.__cause__)


def test_wrong_key_passphrase_error_hides_passphrase(embedded_sftp):
    wrong_passphrase = "wrong-passphrase-5521"
    resource = embedded_sftp.key_resource(private_key_passphrase=wrong_passphrase)

    with pytest.raises(SFTPAuthenticationError) as caught:
        resource.list_directory("/")

    assert "could not be loaded" in str(caught.value)
    assert wrong_passphrase not in str(caught.value)


def test_unauthorized_key_rejected(embedded_sftp, tmp_path):
    other_key = paramiko.ECDSAKey.generate(bits=256)
    other_key_path = tmp_path / "other_key"
    other_key.write_private_key_file(str(other_key_path))
    resource = embedded_sftp.key_resource(
        private_key_path=str(other_key_path), private_key_passphrase=None
    )

    with pytest.raises(SFTPAuthenticationError, match="authentication with private key failed"):
        resource.list_directory("/")


def test_no_secret_configured_rejected(embedded_sftp):
    with pytest.raises(SFTPAuthenticationError, match="no password or private_key_path"):
        embedded_sftp.resource(password=None).list_directory("/")


def test_repr_hides_secrets(embedded_sftp):
    resource = embedded_sftp.key_resource(password="visible-password-check")

    text = repr(resource) + str(resource)

    assert "visible-password-check" not in text
    assert CLIENT_KEY_PASSPHRASE not in text
    assert str(embedded_sftp.private_key_path) not in text
    assert "127.0.0.1" in text


def test_env_var_secret_in_dagster_run(embedded_sftp, monkeypatch):
    monkeypatch.setenv("TEST_FIELD_SFTP_PASSWORD", embedded_sftp.password)
    write_remote(embedded_sftp.root, "drop/a.csv", b"abc")
    seen = {}

    @dg.asset
    def drop_listing(sftp: dg.ResourceParam[object]) -> None:
        seen["names"] = [entry.name for entry in sftp.list_directory("/drop")]
        seen["repr"] = repr(sftp)

    result = dg.materialize(
        [drop_listing],
        resources={"sftp": embedded_sftp.resource(password=dg.EnvVar("TEST_FIELD_SFTP_PASSWORD"))},
    )

    assert result.success
    assert seen["names"] == ["a.csv"]
    assert embedded_sftp.password not in seen["repr"]


# --- host keys ----------------------------------------------------------------------------


def test_unknown_host_key_names_fingerprint(embedded_sftp, tmp_path):
    known_hosts = tmp_path / "empty_known_hosts"
    known_hosts.write_text("")
    resource = embedded_sftp.resource(known_hosts_path=str(known_hosts))

    with pytest.raises(UnknownHostKeyError) as caught:
        resource.list_directory("/")

    host_key = embedded_sftp.server.host_key
    message = str(caught.value)
    assert f"127.0.0.1:{embedded_sftp.port}" in message
    assert host_key.fingerprint in message
    assert host_key.get_name() in message
    assert f"ssh-keyscan -p {embedded_sftp.port} -t {host_key.get_name()} 127.0.0.1 >> {known_hosts}" in message
    assert caught.value.fingerprint == host_key.fingerprint


def test_missing_known_hosts_file_is_unknown_host(embedded_sftp, tmp_path):
    known_hosts = tmp_path / "absent" / "known_hosts"
    resource = embedded_sftp.resource(known_hosts_path=str(known_hosts))

    with pytest.raises(UnknownHostKeyError, match="does not exist yet"):
        resource.list_directory("/")


def test_changed_host_key_rejected(embedded_sftp, tmp_path):
    impostor_key = paramiko.ECDSAKey.generate(bits=256)
    known_hosts = tmp_path / "stale_known_hosts"
    known_hosts.write_text(
        f"[127.0.0.1]:{embedded_sftp.port} {impostor_key.get_name()} {impostor_key.get_base64()}\n"
    )
    resource = embedded_sftp.resource(known_hosts_path=str(known_hosts))

    with pytest.raises(HostKeyChangedError) as caught:
        resource.list_directory("/")

    message = str(caught.value)
    assert "has changed" in message
    assert impostor_key.fingerprint in message
    assert embedded_sftp.server.host_key.fingerprint in message
    assert f"ssh-keygen -R '[127.0.0.1]:{embedded_sftp.port}'" in message
    assert not isinstance(caught.value, UnknownHostKeyError)


def test_verification_off_accepts_unknown_key(embedded_sftp, tmp_path):
    resource = embedded_sftp.resource(
        known_hosts_path=str(tmp_path / "absent"), verify_host_key=False
    )

    assert resource.list_directory("/") == []


# --- complete files -----------------------------------------------------------------------


def test_growing_export_replayed_poll_by_poll(embedded_sftp, tmp_path):
    # The labor export grows from 18432 to 26880 bytes, then its .done marker appears.
    root = embedded_sftp.root
    export = labor_export(26880)
    steps = [
        lambda: write_remote(root, "drop/labor/labor_20240311.csv", export[:18432], epoch("2024-03-12T01:59:58Z")),
        lambda: write_remote(root, "drop/labor/labor_20240311.csv", export, epoch("2024-03-12T02:00:29Z")),
        lambda: write_remote(root, "drop/labor/labor_20240311.csv.done", b"", epoch("2024-03-12T02:00:45Z")),
    ]
    resource = embedded_sftp.resource()
    polls = []
    verdicts = []
    with resource.open_session() as session:
        for step in steps:
            step()
            polls.append(session.list_directory("/drop/labor"))
            judged = assess_completeness(polls, pattern="labor_*.csv")
            verdicts.append([item.complete for item in judged])

        assert verdicts == [[False], [False], [True]]
        fetched = session.fetch(RemoteFile("/drop/labor/labor_20240311.csv", 26880, epoch("2024-03-12T02:00:29Z")), tmp_path / "local")

    content = fetched.local_path.read_bytes()
    assert fetched.size == 26880
    assert len(content) == 26880
    assert fetched.sha256 == hashlib.sha256(export).hexdigest()
    assert content.decode().splitlines()[-1] == "T,412,3297.50"
    assert sum(1 for line in content.decode().splitlines() if line.startswith("D,")) == 412


def test_list_complete_files_polls_with_marker(embedded_sftp):
    root = embedded_sftp.root
    write_remote(root, "drop/labor/labor_1.csv", b"a" * 100, mtime=1_700_000_000)
    write_remote(root, "drop/labor/labor_1.csv.done", b"")
    write_remote(root, "drop/labor/labor_2.csv", b"b" * 100, mtime=1_700_000_100)
    write_remote(root, "drop/labor/other.csv", b"c" * 100)
    write_remote(root, "drop/labor/other.csv.done", b"")

    complete = embedded_sftp.resource().list_complete_files("/drop/labor", "labor_*.csv")

    assert complete == [RemoteFile("/drop/labor/labor_1.csv", 100, 1_700_000_000)]
    assert complete[0].cursor_key == "/drop/labor/labor_1.csv|100|1700000000"


def test_list_complete_files_size_stability(embedded_sftp):
    root = embedded_sftp.root
    write_remote(root, "drop/a.csv", b"a" * 10, mtime=1_700_000_000)
    write_remote(root, "drop/b.csv", b"b" * 20, mtime=1_700_000_500)
    write_remote(root, "drop/empty.csv", b"")

    complete = embedded_sftp.resource(require_done_marker=False).list_complete_files("/drop", "*.csv")

    assert [remote_file.name for remote_file in complete] == ["a.csv", "b.csv"]


def test_list_missing_directory_names_it(embedded_sftp):
    with pytest.raises(Exception, match="remote directory /nope not found"):
        embedded_sftp.resource().list_directory("/nope")


# --- fetch --------------------------------------------------------------------------------


def test_fetch_large_file_with_prefetch(embedded_sftp, tmp_path):
    content = os.urandom(3 * 1024 * 1024 + 17)
    write_remote(embedded_sftp.root, "drop/big.bin", content)
    progress = []

    fetched = embedded_sftp.resource().fetch(
        "/drop/big.bin", tmp_path / "local", progress=lambda done, total: progress.append(done)
    )

    assert fetched.local_path == tmp_path / "local" / "big.bin"
    assert fetched.local_path.read_bytes() == content
    assert fetched.sha256 == hashlib.sha256(content).hexdigest()
    assert fetched.size == len(content)
    assert progress[-1] == len(content)
    assert leftover_files(tmp_path / "local") == ["big.bin"]


def test_fetch_file_growing_during_download(embedded_sftp, tmp_path):
    remote = write_remote(embedded_sftp.root, "drop/labor.csv", b"x" * 200_000, mtime=1_700_000_000)
    local_dir = tmp_path / "local"

    def append_once(done: int, total: int) -> None:
        if remote.stat().st_size == 200_000:
            with open(remote, "ab") as growing:
                growing.write(b"y" * 5_000)

    with pytest.raises(IncompleteTransferError) as caught:
        embedded_sftp.resource().fetch("/drop/labor.csv", local_dir, progress=append_once)

    message = str(caught.value)
    assert "/drop/labor.csv" in message
    assert "205000" in message
    assert "retry later" in message
    assert caught.value.remote_size == 205_000
    assert leftover_files(local_dir) == []


def test_fetch_file_changed_since_listing(embedded_sftp, tmp_path):
    remote = write_remote(embedded_sftp.root, "drop/a.csv", b"a" * 100, mtime=1_700_000_000)
    write_remote(embedded_sftp.root, "drop/a.csv.done", b"")
    resource = embedded_sftp.resource()
    (listed,) = resource.list_complete_files("/drop")
    with open(remote, "ab") as growing:
        growing.write(b"b" * 50)

    with pytest.raises(IncompleteTransferError) as caught:
        resource.fetch(listed, tmp_path / "local")

    assert "remote size 150 bytes" in str(caught.value)
    assert "listed as complete with 100 bytes" in str(caught.value)
    assert leftover_files(tmp_path / "local") == []


def test_fetch_missing_file_leaves_nothing(embedded_sftp, tmp_path):
    with pytest.raises(FileNotFoundError):
        embedded_sftp.resource().fetch("/drop/absent.csv", tmp_path / "local")

    assert leftover_files(tmp_path / "local") == []


# --- timeouts -----------------------------------------------------------------------------


def test_silent_server_times_out_on_connect(embedded_sftp):
    listener = SilentListener()
    try:
        resource = embedded_sftp.resource(port=listener.port, connect_timeout_seconds=1.0)
        started = time.monotonic()

        with pytest.raises(SFTPTimeoutError) as caught:
            resource.list_directory("/")

        elapsed = time.monotonic() - started
    finally:
        listener.close()

    assert elapsed < 5.0
    assert f"127.0.0.1:{listener.port}" in str(caught.value)
    assert "timed out" in str(caught.value)


def stalling_resource(embedded_sftp, proxy: StallingProxy, tmp_path: Path):
    known_hosts = tmp_path / "proxy_known_hosts"
    host_key = embedded_sftp.server.host_key
    known_hosts.write_text(f"[127.0.0.1]:{proxy.port} {host_key.get_name()} {host_key.get_base64()}\n")
    return embedded_sftp.resource(
        port=proxy.port,
        known_hosts_path=str(known_hosts),
        operation_timeout_seconds=1.0,
        max_concurrent_prefetch_requests=2,
    )


def test_server_stalling_mid_download_times_out(embedded_sftp, tmp_path):
    write_remote(embedded_sftp.root, "drop/big.bin", os.urandom(4 * 1024 * 1024))
    proxy = StallingProxy(embedded_sftp.port)
    local_dir = tmp_path / "local"
    try:
        resource = stalling_resource(embedded_sftp, proxy, tmp_path)
        started = time.monotonic()

        with pytest.raises(SFTPTimeoutError) as caught:
            resource.fetch("/drop/big.bin", local_dir, progress=lambda done, total: proxy.stall())

        elapsed = time.monotonic() - started
    finally:
        proxy.close()

    assert elapsed < 8.0
    assert "download of /drop/big.bin" in str(caught.value)
    assert leftover_files(local_dir) == []


# paramiko's prefetch thread ends with the socket error it met; the download itself reports it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_connection_cut_mid_download_leaves_nothing(embedded_sftp, tmp_path):
    write_remote(embedded_sftp.root, "drop/big.bin", os.urandom(4 * 1024 * 1024))
    proxy = StallingProxy(embedded_sftp.port)
    local_dir = tmp_path / "local"
    try:
        resource = stalling_resource(embedded_sftp, proxy, tmp_path)
        started = time.monotonic()

        with pytest.raises(SFTPError, match="lost during download of /drop/big.bin"):
            resource.fetch("/drop/big.bin", local_dir, progress=lambda done, total: proxy.cut())

        elapsed = time.monotonic() - started
    finally:
        proxy.close()

    assert elapsed < 8.0
    assert leftover_files(local_dir) == []


def test_server_stalling_before_listing_times_out(embedded_sftp, tmp_path):
    proxy = StallingProxy(embedded_sftp.port)
    try:
        resource = stalling_resource(embedded_sftp, proxy, tmp_path)
        with resource.open_session() as session:
            proxy.stall()
            started = time.monotonic()

            with pytest.raises(SFTPTimeoutError, match="listing /drop"):
                session.list_directory("/drop")

            elapsed = time.monotonic() - started
    finally:
        proxy.close()

    assert elapsed < 5.0
