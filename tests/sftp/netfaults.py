"""Loopback network faults for timeout tests: a listener that never speaks, a proxy that stalls.

Both bind 127.0.0.1 on a free port, accept at most a few connections and stop on close() or
after a fixed lifetime, so a failing test cannot leave them running.
"""

from __future__ import annotations

import select
import socket
import threading
import time

MAX_CONNECTIONS = 8
LIFETIME_SECONDS = 30.0


class SilentListener:
    """Accept TCP connections on 127.0.0.1 and never send a byte, like a hung SSH server."""

    def __init__(self):
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self.port = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._run, name="silent-listener", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + LIFETIME_SECONDS
        while not self._stop.is_set() and time.monotonic() < deadline:
            if len(self._connections) >= MAX_CONNECTIONS:
                self._stop.wait(0.1)
                continue
            try:
                connection, _ = self._socket.accept()
            except socket.timeout:
                continue
            self._connections.append(connection)
        self._close_sockets()

    def _close_sockets(self) -> None:
        for connection in self._connections:
            connection.close()
        self._socket.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


class StallingProxy:
    """Forward 127.0.0.1:port to a target port until stall() is called.

    After stall(), bytes from the server are no longer passed to the client, while the
    connection stays open: the client sees a server that has stopped responding.
    """

    def __init__(self, target_port: int):
        self._target_port = target_port
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self.port = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._stalled = threading.Event()
        self._cut = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept_thread = threading.Thread(target=self._accept, name="stalling-proxy", daemon=True)
        self._accept_thread.start()

    def stall(self) -> None:
        self._stalled.set()

    def cut(self) -> None:
        """Close every relayed connection on both sides, as a network failure mid-transfer does."""
        self._cut.set()

    def _accept(self) -> None:
        deadline = time.monotonic() + LIFETIME_SECONDS
        accepted = 0
        while not self._stop.is_set() and time.monotonic() < deadline and accepted < MAX_CONNECTIONS:
            try:
                client, _ = self._socket.accept()
            except socket.timeout:
                continue
            accepted += 1
            server = socket.create_connection(("127.0.0.1", self._target_port), timeout=5)
            thread = threading.Thread(
                target=self._relay, args=(client, server, deadline), name="stalling-relay", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        self._socket.close()

    def _relay(self, client: socket.socket, server: socket.socket, deadline: float) -> None:
        try:
            while not self._stop.is_set() and time.monotonic() < deadline:
                if self._cut.is_set():
                    return
                readable, _, _ = select.select([client, server], [], [], 0.1)
                for source in readable:
                    if source is server and self._stalled.is_set():
                        continue  # leave the server's bytes unread, so nothing reaches the client
                    data = source.recv(65536)
                    if not data:
                        return
                    (server if source is client else client).sendall(data)
                if self._stalled.is_set() and server in readable and client not in readable:
                    self._stop.wait(0.05)  # avoid spinning on a server socket that stays readable
        except OSError:
            return
        finally:
            client.close()
            server.close()

    def close(self) -> None:
        self._stop.set()
        self._accept_thread.join(5)
        for thread in self._threads:
            thread.join(5)
