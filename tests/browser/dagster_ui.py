"""A real `dagster dev` (webserver and daemon) over a test's own sandbox, staging and source databases."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOCATION = "field_to_odoo"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Flags that keep chromium off the network: this machine allows loopback only.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class DagsterUI:
    """The code location of pipelines/definitions.py served on 127.0.0.1 for one test.

    Everything runs from ``workdir``, never from the repository root, so that a `.env`
    left there by `make demo` cannot point the test at the demo's servers.
    """

    workdir: Path
    environment: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        home = self.workdir / "dagster_home"
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
        (self.workdir / "workspace.yaml").write_text(json.dumps({"load_from": [{"python_module": {
            "module_name": "pipelines.definitions", "attribute": "defs", "working_directory": str(ROOT),
            "location_name": LOCATION,
        }}]}))
        self.log_path = self.workdir / "dagster_dev.log"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ, **self.environment,
            "DAGSTER_HOME": str(self.workdir / "dagster_home"),
            "PYTHONPATH": str(ROOT),
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def execute(self, job: str, partition_key: str) -> subprocess.CompletedProcess:
        """Run one partition of a job in a subprocess, as `make run` does; a failed run does not raise."""
        return self.cli("job", "execute", "-m", "pipelines.definitions", "-d", str(ROOT), "-j", job,
                        "--tags", json.dumps({"dagster/partition": partition_key}), check=False)

    def start_sensor(self, name: str) -> subprocess.CompletedProcess:
        return self.cli("sensor", "start", name, "-w", str(self.workdir / "workspace.yaml"))

    def cli(self, *arguments: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        """Run a dagster command against the test's instance."""
        return subprocess.run(
            [str(BIN / "dagster"), *arguments],
            cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=timeout, check=check,
        )

    def start(self, timeout: float = 120) -> DagsterUI:
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(BIN / "dagster"), "dev", "-w", str(self.workdir / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(self.port)],
            cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dagster dev exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/server_info", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(1)
        raise RuntimeError(f"dagster dev did not answer on {self.url} within {timeout} s; see {self.log_path}")

    def stop(self) -> None:
        """Stop the webserver, the daemon and the code servers they started."""
        if self.process is None:
            return
        for signal_number, wait_seconds in ((signal.SIGINT, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, signal_number)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait_seconds)
            except subprocess.TimeoutExpired:
                continue
            # dagster dev can exit before its children; whatever is left of the group goes too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            return

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
