"""Embedded SFTP server: one user, password and public-key login, a local directory as root."""

from __future__ import annotations

import base64
import hmac
import logging
import os
import socket
import threading
from pathlib import Path
from typing import Optional

import paramiko

from sftp_server.filesystem import RootedSFTPInterface

logger = logging.getLogger(__name__)

# How often the accept loop wakes up to check for stop(), in seconds.
_ACCEPT_POLL_SECONDS = 0.2
# How long stop() waits for each thread to end, in seconds.
_JOIN_TIMEOUT_SECONDS = 5.0


def load_or_create_host_key(path: str | os.PathLike) -> paramiko.PKey:
    """Load the private host key at `path`, or generate an ECDSA P-256 key there (mode 0600).

    ECDSA is generated because paramiko cannot generate Ed25519 keys. Any key type that
    paramiko reads is accepted from an existing file.
    """
    path = Path(path)
    if path.exists():
        return paramiko.PKey.from_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = paramiko.ECDSAKey.generate(bits=256)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as key_file:
        key.write_private_key(key_file)
    logger.info("Generated host key %s %s at %s", key.get_name(), key.fingerprint, path)
    return key


def read_authorized_keys(path: str | os.PathLike) -> list[paramiko.PKey]:
    """Read public keys from an OpenSSH authorized_keys file. Lines with option prefixes are not supported."""
    keys = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) < 2:
            raise ValueError(f"{path} line {number}: expected '<key type> <base64 key>'")
        keys.append(paramiko.PKey.from_type_string(fields[0], base64.b64decode(fields[1])))
    return keys


class _SingleUserAuth(paramiko.ServerInterface):
    """Authentication of one username by its password or one of its authorized keys."""

    def __init__(
        self,
        username: str,
        password: Optional[str],
        authorized_keys: list[paramiko.PKey],
        client_address: str,
    ):
        self._username = username
        self._password = password
        self._authorized_keys = authorized_keys
        self._client_address = client_address

    def get_allowed_auths(self, username):
        methods = []
        if self._authorized_keys:
            methods.append("publickey")
        if self._password is not None:
            methods.append("password")
        return ",".join(methods)

    def check_auth_password(self, username, password):
        if (
            self._password is not None
            and username == self._username
            and hmac.compare_digest(password.encode(), self._password.encode())
        ):
            logger.info("Password login of %s from %s", username, self._client_address)
            return paramiko.AUTH_SUCCESSFUL
        logger.warning("Rejected password login of %r from %s", username, self._client_address)
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username, key):
        if username == self._username and any(key == known for known in self._authorized_keys):
            logger.info(
                "Public-key login of %s from %s with %s", username, self._client_address, key.fingerprint
            )
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class EmbeddedSFTPServer:
    """SFTP server on 127.0.0.1 that serves `root_dir` as `/` to one user.

    `start()` binds the port (0 picks a free one) and returns at once. Each client connection
    runs in its own thread. `stop()` closes the listener and every open connection.
    """

    def __init__(
        self,
        root_dir: str | os.PathLike,
        host_key_path: str | os.PathLike,
        username: str,
        password: Optional[str] = None,
        authorized_key_path: Optional[str | os.PathLike] = None,
        port: int = 0,
        host: str = "127.0.0.1",
    ):
        if password is None and authorized_key_path is None:
            raise ValueError("give a password, an authorized_key_path or both")
        self.root_dir = Path(root_dir)
        self.host_key_path = Path(host_key_path)
        self.username = username
        self._password = password
        self._authorized_keys = (
            read_authorized_keys(authorized_key_path) if authorized_key_path is not None else []
        )
        self.host = host
        self.port = port
        self.host_key: Optional[paramiko.PKey] = None
        self._listener: Optional[socket.socket] = None
        self._stopping = threading.Event()
        self._accept_thread: Optional[threading.Thread] = None
        self._client_threads: list[threading.Thread] = []
        self._transports: list[paramiko.Transport] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"EmbeddedSFTPServer(root_dir={str(self.root_dir)!r}, user={self.username!r}, {self.host}:{self.port})"

    def __enter__(self) -> EmbeddedSFTPServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> EmbeddedSFTPServer:
        """Load or create the host key, bind the port and start accepting clients."""
        if not self.root_dir.is_dir():
            raise FileNotFoundError(f"root directory {self.root_dir} does not exist")
        self.host_key = load_or_create_host_key(self.host_key_path)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(16)
        listener.settimeout(_ACCEPT_POLL_SECONDS)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._stopping.clear()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"sftp-accept-{self.port}", daemon=True
        )
        self._accept_thread.start()
        logger.info(
            "SFTP server started on %s:%d serving %s, host key %s %s",
            self.host,
            self.port,
            self.root_dir,
            self.host_key.get_name(),
            self.host_key.fingerprint,
        )
        return self

    def stop(self) -> None:
        """Stop accepting, close every client connection and wait for the threads to end."""
        self._stopping.set()
        if self._listener is not None:
            self._listener.close()
        if self._accept_thread is not None:
            self._accept_thread.join(_JOIN_TIMEOUT_SECONDS)
        with self._lock:
            transports = list(self._transports)
            threads = list(self._client_threads)
        for transport in transports:
            transport.close()
        for thread in threads:
            thread.join(_JOIN_TIMEOUT_SECONDS)
        still_running = [thread.name for thread in threads if thread.is_alive()]
        if still_running:
            logger.warning("SFTP server threads still running after stop: %s", still_running)
        logger.info("SFTP server on %s:%d stopped", self.host, self.port)

    def known_hosts_line(self) -> str:
        """Return the known_hosts line for this server, in OpenSSH's `[host]:port` form."""
        if self.host_key is None:
            raise RuntimeError("start() the server before asking for its host key")
        name = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        return f"{name} {self.host_key.get_name()} {self.host_key.get_base64()}"

    def write_known_hosts(self, path: str | os.PathLike) -> Path:
        """Add or replace this server's entry in the known_hosts file at `path`."""
        if self.host_key is None:
            raise RuntimeError("start() the server before writing its host key")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        host_keys = paramiko.HostKeys()
        if path.exists():
            host_keys.load(str(path))
        name = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        if name in host_keys:
            del host_keys[name]
        host_keys.add(name, self.host_key.get_name(), self.host_key)
        host_keys.save(str(path))
        return path

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, address = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                if not self._stopping.is_set():
                    logger.exception("SFTP server on port %d stopped accepting", self.port)
                return
            client_address = f"{address[0]}:{address[1]}"
            thread = threading.Thread(
                target=self._serve_client,
                args=(connection, client_address),
                name=f"sftp-client-{client_address}",
                daemon=True,
            )
            with self._lock:
                self._client_threads = [t for t in self._client_threads if t.is_alive()]
                self._client_threads.append(thread)
            thread.start()

    def _serve_client(self, connection: socket.socket, client_address: str) -> None:
        connection.settimeout(None)
        # Without TCP_NODELAY, Nagle's algorithm holds back small SFTP replies and a download
        # with a few requests in flight slowed to about 1 MB/s on loopback in a local test.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = paramiko.Transport(connection)
        with self._lock:
            self._transports.append(transport)
        try:
            transport.add_server_key(self.host_key)
            transport.set_subsystem_handler(
                "sftp", paramiko.SFTPServer, RootedSFTPInterface, str(self.root_dir)
            )
            auth = _SingleUserAuth(
                self.username, self._password, self._authorized_keys, client_address
            )
            try:
                transport.start_server(server=auth)
            except (paramiko.SSHException, EOFError, OSError) as exc:
                logger.warning("SSH handshake with %s failed: %s", client_address, exc)
                return
            # The transport and the SFTP subsystem run in paramiko's own threads; this thread
            # only waits so that stop() can join one thread per client.
            while transport.is_active() and not self._stopping.is_set():
                self._stopping.wait(_ACCEPT_POLL_SECONDS)
        finally:
            transport.close()
            with self._lock:
                if transport in self._transports:
                    self._transports.remove(transport)
