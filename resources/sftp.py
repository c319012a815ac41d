"""SFTP drops: host-key-verified connections, complete-file detection and verified downloads.

A field system writes its extract into the drop folder over many seconds. A file counts as
complete only when its size and mtime have held still across `stable_polls` listings and,
unless the source allows size-stability alone, a `<name>.done` marker exists next to it.
`fetch` then checks the transferred size against the remote size before and after the
transfer, because a file that grows during `get` otherwise arrives short with no error.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import os
import posixpath
import socket
import stat
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import dagster as dg
import paramiko
from pydantic import Field

logger = dg.get_dagster_logger("resources.sftp")

DEFAULT_MARKER_SUFFIX = ".done"


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class SFTPError(Exception):
    """Base class for every error this module raises."""


class UnsafeRemoteName(SFTPError):
    """A remote file name that would not stay a plain file name in the download folder."""


def local_file_name(remote_path: str) -> str:
    """Return the local name for ``remote_path``: its last part, if that is a plain file name.

    A server controls the names it lists, so "..", "." or an empty name (a path ending in "/"),
    a backslash or a NUL byte is refused instead of joined to the download folder.
    """
    name = posixpath.basename(remote_path)
    if name in ("", ".", "..") or "\\" in name or "\x00" in name:
        raise UnsafeRemoteName(f"remote file {remote_path!r} has no plain file name; it is not downloaded")
    return name


class SFTPConnectionError(SFTPError):
    """The TCP connection or the SSH handshake failed."""


class SFTPTimeoutError(SFTPError):
    """The server did not respond within the configured timeout."""


class SFTPAuthenticationError(SFTPError):
    """The server rejected the username, password or key."""


class UnknownHostKeyError(SFTPError):
    """The server's host key is not in the known_hosts file."""

    def __init__(self, host: str, port: int, key: paramiko.PKey, known_hosts_path: Path):
        self.host = host
        self.port = port
        self.key_type = key.get_name()
        self.fingerprint = key.fingerprint
        self.known_hosts_path = known_hosts_path
        missing = "" if known_hosts_path.exists() else " (the file does not exist yet)"
        super().__init__(
            f"Host key for {host}:{port} is not in {known_hosts_path}{missing}. "
            f"The server offered a {self.key_type} key with fingerprint {self.fingerprint}. "
            f"Confirm this fingerprint with the server's administrator, then trust it with: "
            f"ssh-keyscan -p {port} -t {self.key_type} {host} >> {known_hosts_path}"
        )


class HostKeyChangedError(SFTPError):
    """The server's host key differs from the one recorded in known_hosts."""

    def __init__(
        self,
        host: str,
        port: int,
        offered: paramiko.PKey,
        expected: paramiko.PKey,
        known_hosts_path: Path,
    ):
        self.host = host
        self.port = port
        self.offered_fingerprint = offered.fingerprint
        self.expected_fingerprint = expected.fingerprint
        self.known_hosts_path = known_hosts_path
        super().__init__(
            f"Host key for {host}:{port} has changed: {known_hosts_path} records "
            f"{expected.get_name()} {expected.fingerprint}, but the server offered "
            f"{offered.get_name()} {offered.fingerprint}. This is either a reinstalled server "
            f"or a man-in-the-middle attack, so the connection was closed. After confirming "
            f"the new fingerprint with the server's administrator, remove the old entry with "
            f"ssh-keygen -R '{_known_hosts_name(host, port)}' -f {known_hosts_path} "
            f"and add the new key with ssh-keyscan."
        )


class IncompleteTransferError(SFTPError):
    """A download did not match the remote file's size, so the local copy was deleted."""

    def __init__(self, remote_path: str, remote_size: int, local_size: int, detail: str):
        self.remote_path = remote_path
        self.remote_size = remote_size
        self.local_size = local_size
        super().__init__(
            f"Download of {remote_path} is incomplete: remote size {remote_size} bytes, "
            f"local size {local_size} bytes ({detail}). The local copy was deleted; "
            f"retry later, once the sender has finished writing the file."
        )


# ---------------------------------------------------------------------------
# Listings and complete-file detection (pure, no I/O)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingEntry:
    """One regular file as seen in one listing of a remote directory."""

    name: str
    size: int  # bytes
    mtime: int  # seconds since the epoch, as SFTP version 3 reports it


@dataclass(frozen=True)
class RemoteFile:
    """A complete remote file, ready to fetch."""

    path: str  # absolute remote path
    size: int  # bytes
    mtime: int  # seconds since the epoch

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)

    @property
    def cursor_key(self) -> str:
        """Key that changes whenever the file is replaced, for sensor run keys and cursors."""
        return f"{self.path}|{self.size}|{self.mtime}"


@dataclass(frozen=True)
class FileCompleteness:
    """Whether one file in the latest listing is complete, and why not if it is not."""

    name: str
    size: int
    mtime: int
    complete: bool
    reason: str


REASON_COMPLETE = "complete"
REASON_EMPTY = "zero-byte file"
REASON_NO_MARKER = "no done marker"
REASON_CHANGING = "size or mtime changed between polls"
REASON_TOO_FEW_POLLS = "not yet seen in enough polls"
REASON_ORPHAN_MARKER = "done marker without data file"


def assess_completeness(
    polls: Sequence[Sequence[ListingEntry]],
    *,
    pattern: str = "*",
    require_marker: bool = True,
    marker_suffix: str = DEFAULT_MARKER_SUFFIX,
    stable_polls: int = 2,
) -> list[FileCompleteness]:
    """Judge each file of the latest poll (the last element of `polls`, oldest first).

    A data file is complete when it is not empty, its size and mtime are identical in each of
    the last `stable_polls` polls, and (if `require_marker`) `<name><marker_suffix>` is in
    the latest poll. Names ending in `marker_suffix` are markers, never data files. A marker
    whose data file is missing is reported as not complete, so a caller can log it.
    """
    if stable_polls < 1:
        raise ValueError(f"stable_polls must be at least 1, got {stable_polls}")
    if not require_marker and stable_polls < 2:
        raise ValueError(
            "size-stability without a done marker needs stable_polls >= 2, "
            f"got {stable_polls}"
        )
    if not polls:
        return []

    by_name = [{entry.name: entry for entry in poll} for poll in polls]
    latest = by_name[-1]
    window = by_name[-stable_polls:]
    results: list[FileCompleteness] = []

    for name in sorted(latest):
        entry = latest[name]
        if name.endswith(marker_suffix):
            data_name = name[: -len(marker_suffix)]
            if data_name not in latest and fnmatch.fnmatchcase(data_name, pattern):
                results.append(_judged(entry, False, REASON_ORPHAN_MARKER))
            continue
        if not fnmatch.fnmatchcase(name, pattern):
            continue

        if entry.size == 0:
            reason = REASON_EMPTY
        elif len(window) < stable_polls or any(name not in poll for poll in window):
            reason = REASON_TOO_FEW_POLLS
        elif any(
            (poll[name].size, poll[name].mtime) != (entry.size, entry.mtime) for poll in window
        ):
            reason = REASON_CHANGING
        elif require_marker and name + marker_suffix not in latest:
            reason = REASON_NO_MARKER
        else:
            reason = REASON_COMPLETE
        results.append(_judged(entry, reason == REASON_COMPLETE, reason))

    return results


def _judged(entry: ListingEntry, complete: bool, reason: str) -> FileCompleteness:
    return FileCompleteness(entry.name, entry.size, entry.mtime, complete, reason)


# ---------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchedFile:
    """A downloaded file whose size matched the remote file before and after the transfer."""

    remote_path: str
    local_path: Path
    size: int  # bytes
    sha256: str  # hex digest of the local copy
    remote_mtime: int  # seconds since the epoch


class _HashingWriter:
    """File wrapper that feeds every written chunk into a SHA-256 digest and counts bytes."""

    def __init__(self, file):
        self._file = file
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self._file.write(data)


ProgressCallback = Callable[[int, int], None]


# ---------------------------------------------------------------------------
# Host key policy
# ---------------------------------------------------------------------------


def _known_hosts_name(host: str, port: int) -> str:
    """Return the host name as OpenSSH writes it in known_hosts (`[host]:port` off port 22)."""
    return host if port == 22 else f"[{host}]:{port}"


class _RejectUnknownHostKey(paramiko.MissingHostKeyPolicy):
    def __init__(self, host: str, port: int, known_hosts_path: Path):
        self._host = host
        self._port = port
        self._known_hosts_path = known_hosts_path

    def missing_host_key(self, client, hostname, key):
        raise UnknownHostKeyError(self._host, self._port, key, self._known_hosts_path)


class _AcceptAnyHostKey(paramiko.MissingHostKeyPolicy):
    def missing_host_key(self, client, hostname, key):
        logger.warning(
            "Host key verification is off: accepted %s key %s from %s without checking it",
            key.get_name(),
            key.fingerprint,
            hostname,
        )


# ---------------------------------------------------------------------------
# Session: one SSH connection with its SFTP channel
# ---------------------------------------------------------------------------


class SFTPSession:
    """One open SFTP connection. Get it from `SFTPResource.open_session()`."""

    def __init__(self, resource: SFTPResource, client: paramiko.SSHClient, sftp: paramiko.SFTPClient):
        self._resource = resource
        self._client = client
        self.sftp = sftp

    def close(self) -> None:
        self.sftp.close()
        self._client.close()

    @property
    def _where(self) -> str:
        return f"{self._resource.host}:{self._resource.port}"

    @contextlib.contextmanager
    def _timed(self, operation: str) -> Iterator[None]:
        """Translate a socket timeout or a lost connection into an SFTPError that names the operation."""
        try:
            yield
        except socket.timeout as exc:
            raise SFTPTimeoutError(
                f"{operation} on {self._where} timed out after "
                f"{self._resource.operation_timeout_seconds} s without a response from the server"
            ) from exc
        except (EOFError, ConnectionError, paramiko.SSHException) as exc:
            raise SFTPConnectionError(f"connection to {self._where} lost during {operation}: {exc}") from exc
        except OSError as exc:
            # SFTP status errors (no such file, permission denied) carry an errno and pass through;
            # paramiko's "Socket is closed" has none and means the connection went away.
            if exc.errno is not None:
                raise
            raise SFTPConnectionError(f"connection to {self._where} lost during {operation}: {exc}") from exc

    def list_directory(self, remote_dir: str) -> list[ListingEntry]:
        """List the regular files of `remote_dir` once. Directories and symbolic links are left out."""
        with self._timed(f"listing {remote_dir}"):
            try:
                attributes = self.sftp.listdir_attr(remote_dir)
            except FileNotFoundError as exc:
                raise SFTPError(f"remote directory {remote_dir} not found on {self._where}") from exc
        return [
            ListingEntry(attr.filename, int(attr.st_size or 0), int(attr.st_mtime or 0))
            for attr in attributes
            if attr.st_mode is not None and stat.S_ISREG(attr.st_mode)
        ]

    def poll_directory(self, remote_dir: str) -> list[list[ListingEntry]]:
        """List `remote_dir` `stable_polls` times, `poll_interval_seconds` apart (oldest first)."""
        polls = [self.list_directory(remote_dir)]
        for _ in range(self._resource.stable_polls - 1):
            time.sleep(self._resource.poll_interval_seconds)
            polls.append(self.list_directory(remote_dir))
        return polls

    def list_complete_files(self, remote_dir: str, pattern: str = "*") -> list[RemoteFile]:
        """Poll `remote_dir` and return its complete files matching `pattern`, oldest mtime first."""
        judged = assess_completeness(
            self.poll_directory(remote_dir),
            pattern=pattern,
            require_marker=self._resource.require_done_marker,
            marker_suffix=self._resource.done_marker_suffix,
            stable_polls=self._resource.stable_polls,
        )
        for item in judged:
            if not item.complete:
                logger.info(
                    "Skipping %s in %s on %s: %s", item.name, remote_dir, self._where, item.reason
                )
        complete = [
            RemoteFile(posixpath.join(remote_dir, item.name), item.size, item.mtime)
            for item in judged
            if item.complete
        ]
        return sorted(complete, key=lambda remote_file: (remote_file.mtime, remote_file.path))

    def fetch(
        self,
        remote_file: RemoteFile | str,
        local_dir: str | os.PathLike,
        progress: Optional[ProgressCallback] = None,
    ) -> FetchedFile:
        """Download one file into `local_dir` under its remote name and verify its size.

        The transfer goes to a hidden temporary name first. It is renamed into place only if the
        local size equals the remote size and the remote size and mtime did not change during
        the transfer, nor since the listing when `remote_file` is a RemoteFile. Otherwise the
        temporary file is deleted and IncompleteTransferError is raised. `progress` receives
        (bytes so far, remote size at the start) after each chunk.
        """
        remote_path = remote_file.path if isinstance(remote_file, RemoteFile) else remote_file
        name = local_file_name(remote_path)
        local_dir = Path(local_dir)
        local_dir.mkdir(parents=True, exist_ok=True)
        final_path = local_dir / name
        temporary_path = local_dir / f".{name}.{uuid.uuid4().hex}.part"

        try:
            with self._timed(f"download of {remote_path}"):
                before = self.sftp.stat(remote_path)
                with open(temporary_path, "wb") as local_file:
                    writer = _HashingWriter(local_file)
                    self.sftp.getfo(
                        remote_path,
                        writer,
                        callback=progress,
                        prefetch=True,
                        max_concurrent_prefetch_requests=self._resource.max_concurrent_prefetch_requests,
                    )
                after = self.sftp.stat(remote_path)
            self._verify_transfer(remote_file, remote_path, before, after, writer.size)
        except BaseException:
            temporary_path.unlink(missing_ok=True)
            raise

        os.replace(temporary_path, final_path)
        logger.info(
            "Fetched %s from %s: %d bytes, sha256 %s",
            remote_path,
            self._where,
            writer.size,
            writer.digest.hexdigest(),
        )
        return FetchedFile(
            remote_path=remote_path,
            local_path=final_path,
            size=writer.size,
            sha256=writer.digest.hexdigest(),
            remote_mtime=int(after.st_mtime or 0),
        )

    @staticmethod
    def _verify_transfer(
        remote_file: RemoteFile | str,
        remote_path: str,
        before: paramiko.SFTPAttributes,
        after: paramiko.SFTPAttributes,
        local_size: int,
    ) -> None:
        if isinstance(remote_file, RemoteFile) and (remote_file.size, remote_file.mtime) != (
            before.st_size,
            before.st_mtime,
        ):
            raise IncompleteTransferError(
                remote_path,
                int(before.st_size),
                local_size,
                f"the file changed after it was listed as complete with {remote_file.size} bytes",
            )
        if (before.st_size, before.st_mtime) != (after.st_size, after.st_mtime):
            raise IncompleteTransferError(
                remote_path,
                int(after.st_size),
                local_size,
                f"the remote file changed during the transfer, from {before.st_size} bytes "
                f"to {after.st_size} bytes",
            )
        if local_size != after.st_size:
            raise IncompleteTransferError(
                remote_path, int(after.st_size), local_size, "the local size differs from the remote size"
            )


# ---------------------------------------------------------------------------
# Resource
# ---------------------------------------------------------------------------


class SFTPResource(dg.ConfigurableResource):
    """SFTP server with a field system's extract drops.

    Pass `password`, `private_key_path` and `private_key_passphrase` as `dg.EnvVar`. They are
    left out of `repr()` and of every error message. When both a key and a password are set,
    only the key is offered.
    """

    host: str = Field(description="SFTP server host name or address.")
    port: int = Field(default=22, description="SSH port.")
    username: str = Field(description="Login user.")
    password: Optional[str] = Field(default=None, repr=False, description="Login password.")
    private_key_path: Optional[str] = Field(
        default=None, repr=False, description="Path of the private key file for public-key login."
    )
    private_key_passphrase: Optional[str] = Field(
        default=None, repr=False, description="Passphrase of the private key file, if encrypted."
    )
    known_hosts_path: str = Field(
        default="~/.ssh/known_hosts",
        description="OpenSSH known_hosts file that contains the server's host key.",
    )
    verify_host_key: bool = Field(
        default=True,
        description="Reject servers whose host key is not in known_hosts. Turn off only for tests.",
    )
    connect_timeout_seconds: float = Field(
        default=15.0,
        description="Seconds allowed for the TCP connect, the SSH banner and authentication each.",
    )
    operation_timeout_seconds: float = Field(
        default=60.0,
        description="Seconds to wait for any one SFTP response (listing, stat, read) before failing.",
    )
    # 64 matches the default of OpenSSH's sftp client (sftp(1) -R, OpenSSH 9.2).
    max_concurrent_prefetch_requests: int = Field(
        default=64,
        description="Maximum read requests in flight during a download (paramiko prefetch).",
    )
    require_done_marker: bool = Field(
        default=True,
        description="Treat a file as complete only when <name><done_marker_suffix> exists; "
        "when false, size and mtime stability alone decide.",
    )
    done_marker_suffix: str = Field(default=DEFAULT_MARKER_SUFFIX, description="Marker file suffix.")
    stable_polls: int = Field(
        default=2,
        description="Consecutive listings in which a file's size and mtime must be identical.",
    )
    poll_interval_seconds: float = Field(
        default=10.0, description="Seconds between two listings of the same directory."
    )

    @property
    def _known_hosts(self) -> Path:
        return Path(os.path.expanduser(self.known_hosts_path))

    def _load_private_key(self) -> Optional[paramiko.PKey]:
        if not self.private_key_path:
            return None
        key_path = Path(os.path.expanduser(self.private_key_path))
        try:
            passphrase = self.private_key_passphrase.encode() if self.private_key_passphrase else None
            return paramiko.PKey.from_path(key_path, passphrase)
        except FileNotFoundError as exc:
            raise SFTPAuthenticationError(f"private key file {key_path} not found") from exc
        except paramiko.PasswordRequiredException as exc:
            raise SFTPAuthenticationError(
                f"private key file {key_path} is encrypted and no passphrase is configured"
            ) from exc
        except (paramiko.SSHException, ValueError) as exc:
            raise SFTPAuthenticationError(
                f"private key file {key_path} could not be loaded: invalid key or wrong passphrase"
            ) from exc

    def _new_client(self) -> paramiko.SSHClient:
        client = paramiko.SSHClient()
        if self.verify_host_key:
            if self._known_hosts.exists():
                client.load_host_keys(str(self._known_hosts))
            client.set_missing_host_key_policy(
                _RejectUnknownHostKey(self.host, self.port, self._known_hosts)
            )
        else:
            client.set_missing_host_key_policy(_AcceptAnyHostKey())
        return client

    @contextlib.contextmanager
    def open_session(self) -> Iterator[SFTPSession]:
        """Connect, verify the host key, log in and yield an SFTPSession, then close it on exit."""
        where = f"{self.host}:{self.port}"
        if not self.password and not self.private_key_path:
            raise SFTPAuthenticationError(
                f"no password or private_key_path configured for {self.username}@{where}"
            )
        pkey = self._load_private_key()
        client = self._new_client()
        try:
            self._connect(client, pkey)
            try:
                sftp = client.open_sftp()
            except socket.timeout as exc:
                raise SFTPTimeoutError(
                    f"opening the SFTP subsystem on {where} timed out after "
                    f"{self.operation_timeout_seconds} s"
                ) from exc
            sftp.get_channel().settimeout(self.operation_timeout_seconds)
        except BaseException:
            client.close()
            raise

        session = SFTPSession(self, client, sftp)
        try:
            yield session
        finally:
            session.close()

    def _connect(self, client: paramiko.SSHClient, pkey: Optional[paramiko.PKey]) -> None:
        where = f"{self.host}:{self.port}"
        method = "private key" if pkey is not None else "password"
        started = time.monotonic()
        try:
            client.connect(
                self.host,
                port=self.port,
                username=self.username,
                password=self.password if pkey is None else None,
                pkey=pkey,
                timeout=self.connect_timeout_seconds,
                banner_timeout=self.connect_timeout_seconds,
                auth_timeout=self.connect_timeout_seconds,
                channel_timeout=self.operation_timeout_seconds,
                allow_agent=False,
                look_for_keys=False,
            )
        except paramiko.BadHostKeyException as exc:
            raise HostKeyChangedError(
                self.host, self.port, exc.key, exc.expected_key, self._known_hosts
            ) from None
        except paramiko.AuthenticationException as exc:
            raise SFTPAuthenticationError(
                f"authentication with {method} failed for {self.username}@{where}; "
                f"check the username and the configured secret"
            ) from exc
        except socket.timeout as exc:
            raise SFTPTimeoutError(
                f"connecting to {where} timed out after {self.connect_timeout_seconds} s"
            ) from exc
        except paramiko.SSHException as exc:
            # paramiko reports a missing SSH banner as SSHException, not as a socket timeout.
            if time.monotonic() - started >= self.connect_timeout_seconds:
                raise SFTPTimeoutError(
                    f"SSH handshake with {where} timed out after {self.connect_timeout_seconds} s: {exc}"
                ) from exc
            raise SFTPConnectionError(f"SSH handshake with {where} failed: {exc}") from exc
        except OSError as exc:
            raise SFTPConnectionError(f"connecting to {where} failed: {exc}") from exc

    def list_directory(self, remote_dir: str) -> list[ListingEntry]:
        """List the regular files of `remote_dir` once."""
        with self.open_session() as session:
            return session.list_directory(remote_dir)

    def list_complete_files(self, remote_dir: str, pattern: str = "*") -> list[RemoteFile]:
        """Poll `remote_dir` on one connection and return its complete files matching `pattern`.

        Each RemoteFile carries `cursor_key` (path, size and mtime), which a sensor can use as
        run key so that a replaced file triggers a new run and an unchanged one does not.
        """
        with self.open_session() as session:
            return session.list_complete_files(remote_dir, pattern)

    def fetch(
        self,
        remote_file: RemoteFile | str,
        local_dir: str | os.PathLike,
        progress: Optional[ProgressCallback] = None,
    ) -> FetchedFile:
        """Download one file and verify its size, as `SFTPSession.fetch` describes."""
        with self.open_session() as session:
            return session.fetch(remote_file, local_dir, progress)

