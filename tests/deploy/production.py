"""The production parts started as separate processes: a gRPC code server, the webserver and the daemon.

They share one Dagster instance from deploy/dagster.yaml on a test database of the local
PostgreSQL, and the staging database is on PostgreSQL too. The demo's SFTP server and Odoo
sandbox (`python -m demo services --with-data`) stand in for the firm's, in the test's own
folder and on free ports.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from tests.browser.dagster_ui import BIN, LOCATION, ROOT, free_port


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float) -> None:
    """Wait until something accepts connections on 127.0.0.1:port, or fail with the process's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} failed: exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.5)
    raise RuntimeError(f"timed out after {timeout} s: nothing accepts connections on port {port}:\n{log.read_text()[-3000:]}")


def read_dotenv(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


@dataclass
class ProductionDeployment:
    """Every process of one production-like deployment, started in order and stopped together."""

    workdir: Path
    instance_url: str  # the PostgreSQL database of the Dagster instance
    staging_url: str
    processes: list[subprocess.Popen] = field(default_factory=list)
    webserver_port: int = field(default_factory=free_port)

    @property
    def dagster_home(self) -> Path:
        return self.workdir / "dagster_home"

    @property
    def instance_environment(self) -> dict[str, str]:
        """The DAGSTER_PG_* variables deploy/dagster.yaml reads, for the instance database."""
        address = urlparse(self.instance_url)
        return {
            "DAGSTER_HOME": str(self.dagster_home),
            "DAGSTER_PG_HOST": address.hostname or "127.0.0.1", "DAGSTER_PG_PORT": str(address.port or 5432),
            "DAGSTER_PG_DB": address.path.lstrip("/"), "DAGSTER_PG_USER": address.username or "postgres",
            "DAGSTER_PG_PASSWORD": address.password or "",
        }

    def start(self) -> ProductionDeployment:
        self.dagster_home.mkdir(parents=True)
        shutil.copy(ROOT / "deploy" / "dagster.yaml", self.dagster_home / "dagster.yaml")
        demo_dir = self.workdir / "demo"
        demo_dir.mkdir()

        # The firm's SFTP server and Odoo, with the demo's extracts and source databases.
        sftp_port, odoo_port = free_port(), free_port()
        self._spawn("services", [sys.executable, "-m", "demo", "services", "--with-data"],
                    {"DEMO_DIR": str(demo_dir), "DEMO_SFTP_PORT": str(sftp_port), "DEMO_ODOO_PORT": str(odoo_port)})
        for port in (sftp_port, odoo_port):
            wait_for_port(port, self.processes[-1], self.workdir / "services.log", timeout=120)
        self._wait_for_file(demo_dir / ".env", timeout=60)
        self.pipeline_environment = {**read_dotenv(demo_dir / ".env"), "STAGING_DATABASE_URL": self.staging_url}

        # The code location as its own gRPC server, as a container would run it.
        code_port = free_port()
        self._spawn("code_server", [str(BIN / "dagster"), "code-server", "start", "-h", "127.0.0.1", "-p", str(code_port),
                                    "-m", "pipelines.definitions", "-a", "defs", "-d", str(ROOT),
                                    "--location-name", LOCATION],
                    self.pipeline_environment)
        wait_for_port(code_port, self.processes[-1], self.workdir / "code_server.log", timeout=180)
        (self.workdir / "workspace.yaml").write_text(
            f"load_from:\n  - grpc_server:\n      host: 127.0.0.1\n      port: {code_port}\n"
            f"      location_name: {LOCATION}\n"
        )

        self._spawn("webserver", [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1",
                                  "-p", str(self.webserver_port)], {})
        wait_for_port(self.webserver_port, self.processes[-1], self.workdir / "webserver.log", timeout=180)
        self._spawn("daemon", [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], {})
        return self

    def _spawn(self, name: str, command: list[str], extra: dict[str, str]) -> None:
        env = {**os.environ, **self.instance_environment, **extra, "PYTHONPATH": str(ROOT)}
        log = (self.workdir / f"{name}.log").open("w")
        self.processes.append(subprocess.Popen(command, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                               start_new_session=True))

    @staticmethod
    def _wait_for_file(path: Path, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not path.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{path} was not written within {timeout} s")
            time.sleep(0.2)

    def log_tail(self, name: str, characters: int = 3000) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text()[-characters:] if path.exists() else ""

    def stop(self) -> None:
        """Stop every process group, the daemon first, so no run starts while the servers go."""
        for process in reversed(self.processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
