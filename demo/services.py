"""Start the demo's embedded SFTP server and Odoo sandbox on 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

from demo.settings import REMOTE_DIR, SFTP_USER, DemoSettings
from sftp_server import EmbeddedSFTPServer


class PortInUseError(RuntimeError):
    """A demo server's port is taken, most often by `make services` still running."""


def _require_free_port(port: int, what: str, variable: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise PortInUseError(
                f"127.0.0.1:{port} for the {what} is in use ({error.strerror}). Stop `make services` "
                f"if it is running, or choose another port with {variable}=<port>."
            ) from error


@contextlib.contextmanager
def running_services(settings: DemoSettings) -> Iterator[tuple[EmbeddedSFTPServer, object]]:
    """Run both servers for the length of the with-block; state persists under .demo/."""
    _require_free_port(settings.sftp_port, "SFTP server", "DEMO_SFTP_PORT")
    _require_free_port(settings.odoo_port, "Odoo sandbox", "DEMO_ODOO_PORT")
    settings.sftp_root.joinpath(REMOTE_DIR.lstrip("/")).mkdir(parents=True, exist_ok=True)
    sftp = EmbeddedSFTPServer(
        root_dir=settings.sftp_root,
        host_key_path=settings.sftp_host_key,
        username=SFTP_USER,
        password=settings.sftp_password,
        port=settings.sftp_port,
    ).start()
    # The demo is the one place that trusts a host key without asking: it created the key
    # itself a moment ago. Production known_hosts entries come from the SFTP administrator.
    sftp.write_known_hosts(settings.known_hosts)
    try:
        sandbox = start_sandbox(settings)
        try:
            yield sftp, sandbox
        finally:
            sandbox.stop()
    finally:
        sftp.stop()


def start_sandbox(settings: DemoSettings):
    from odoo_sandbox.server import SandboxServer

    settings.odoo_data_dir.mkdir(parents=True, exist_ok=True)
    return SandboxServer(
        settings.odoo_data_dir / "sandbox.sqlite",
        version="17.0",
        host="127.0.0.1",
        port=settings.odoo_port,
        seed="demo",
        credentials={
            "admin_password": settings.odoo_admin_password,
            "api_password": settings.odoo_api_password,
            "api_key": settings.odoo_api_key,
        },
    ).start()
