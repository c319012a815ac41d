"""SFTPResource against a real OpenSSH sshd on loopback, started by .ci/start-sshd."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid

import pytest

from resources.sftp import (
    IncompleteTransferError,
    SFTPAuthenticationError,
    UnknownHostKeyError,
)
from tests.fixtures.sftp import host_key_fingerprint

pytestmark = pytest.mark.sshd


@pytest.fixture
def drop_folder(openssh_sftp):
    """A fresh folder inside the sshd drop directory, removed after the test."""
    folder = openssh_sftp.drop_dir / f"test-{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_key_login_lists_complete_files(openssh_sftp, drop_folder):
    (drop_folder / "labor_1.csv").write_bytes(b"a" * 500)
    os.utime(drop_folder / "labor_1.csv", (1_700_000_000, 1_700_000_000))
    (drop_folder / "labor_1.csv.done").write_bytes(b"")
    (drop_folder / "labor_2.csv").write_bytes(b"b" * 500)

    complete = openssh_sftp.resource().list_complete_files(str(drop_folder), "labor_*.csv")

    assert [(remote.path, remote.size, remote.mtime) for remote in complete] == [
        (f"{drop_folder}/labor_1.csv", 500, 1_700_000_000)
    ]


def test_password_login(openssh_sftp, drop_folder):
    (drop_folder / "a.csv").write_bytes(b"abc")
    resource = openssh_sftp.resource(private_key_path=None, password=openssh_sftp.password)

    assert [entry.name for entry in resource.list_directory(str(drop_folder))] == ["a.csv"]


def test_wrong_password_error_hides_password(openssh_sftp):
    wrong_password = "wrong-sshd-password-8812"
    resource = openssh_sftp.resource(private_key_path=None, password=wrong_password)

    with pytest.raises(SFTPAuthenticationError) as caught:
        resource.list_directory("/")

    assert f"{openssh_sftp.username}@" in str(caught.value)
    assert wrong_password not in str(caught.value)


def test_unknown_host_key_names_fingerprint(openssh_sftp, tmp_path):
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    expected = host_key_fingerprint(openssh_sftp.known_hosts, openssh_sftp.host, openssh_sftp.port)

    with pytest.raises(UnknownHostKeyError) as caught:
        openssh_sftp.resource(known_hosts_path=str(known_hosts)).list_directory("/")

    assert expected is not None
    assert caught.value.fingerprint == expected
    assert expected in str(caught.value)
    assert f"ssh-keyscan -p {openssh_sftp.port}" in str(caught.value)


def test_fetch_verifies_size_and_hash(openssh_sftp, drop_folder, tmp_path):
    content = os.urandom(1024 * 1024 + 3)
    (drop_folder / "big.bin").write_bytes(content)

    fetched = openssh_sftp.resource().fetch(f"{drop_folder}/big.bin", tmp_path / "local")

    assert fetched.size == len(content)
    assert fetched.sha256 == hashlib.sha256(content).hexdigest()
    assert fetched.local_path.read_bytes() == content


def test_fetch_file_growing_during_download(openssh_sftp, drop_folder, tmp_path):
    remote = drop_folder / "growing.csv"
    remote.write_bytes(b"x" * 300_000)
    local_dir = tmp_path / "local"

    def append_once(done: int, total: int) -> None:
        if remote.stat().st_size == 300_000:
            with open(remote, "ab") as growing:
                growing.write(b"y" * 1_000)

    with pytest.raises(IncompleteTransferError, match="retry later"):
        openssh_sftp.resource().fetch(str(remote), local_dir, progress=append_once)

    assert list(local_dir.iterdir()) == []


def test_upload_as_test_user(openssh_sftp, drop_folder):
    os.chmod(drop_folder, 0o777)
    with openssh_sftp.resource().open_session() as session:
        with session.sftp.open(f"{drop_folder}/uploaded.csv", "wb") as remote:
            remote.write(b"from the field system")

    assert (drop_folder / "uploaded.csv").read_bytes() == b"from the field system"
