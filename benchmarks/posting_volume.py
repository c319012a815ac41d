"""Count the RPC requests and time post_timesheets on a large batch, against a naive create loop.

Usage: python -m benchmarks.posting_volume [--lines 10000] [--chunk-sizes 200,1000,2000,5000]
       [--naive-lines 2000] [--time-budget 150]

For each chunk size, post_timesheets posts `--lines` staged lines into a newly seeded sandbox
over JSON-RPC (served as Odoo 17.0), with a new SQLite staging database. The naive loop is what
integration scripts do: odoo-client-lib's own connection and one `create` call per line with the
same values, with no look-up by ref and no external id registration. It runs on its own fresh
sandbox for `--naive-lines` lines. Its per-line rate is extrapolated to `--lines`, which is an
estimate. The same loop also runs over the pipeline's JSON-RPC connector, which keeps one HTTP
client, to show how much of the gap comes from odoo-client-lib's per-request HTTP client.

The script prints one JSON object on stdout and progress on stderr. `measure()` returns the
same object for a driver to call. The sandbox runs in this process, so the seconds measure this
pipeline plus a single-threaded SQLite server on loopback, not a real Odoo server (see
benchmarks/posting.py). The request counts carry over to a real server.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

import odoolib
from odoolib.rpc import Connection

from benchmarks.common import (
    DEFAULT_TIME_BUDGET_SECONDS,
    BenchmarkError,
    Deadline,
    TimeBudgetExceeded,
    bounded_int,
    time_budget,
)
from benchmarks.posting import (
    BATCH_ID,
    MAX_LINES,
    SERVER_VERSIONS,
    SandboxRequestCounter,
    build_lines,
    chunk_size_list,
    connect,
    count_sandbox_requests,
    seeded_sandbox,
    timed_post,
)
from odoo_io.client import JsonRPCTimeoutConnector, OdooClient
from odoo_io.timesheets import TIMESHEET_MODEL, full_external_id, read_back_timesheets, timesheet_values
from odoo_sandbox.seed import DEMO_API_LOGIN
from odoo_sandbox.server import SandboxServer
from resources.staging import StagingDatabase

T = TypeVar("T")

PROTOCOL = "jsonrpc"
DEFAULT_LINES = 10_000
DEFAULT_CHUNK_SIZES = (200, 1000, 2000, 5000)
DEFAULT_NAIVE_LINES = 2000
MAX_NAIVE_LINES = 20_000
PER_LINES = 10_000  # requests are reported per this many lines
CONNECTOR_TIMEOUT_SECONDS = 60.0  # the default of OdooResource.timeout_seconds
NAIVE_VARIANTS = {
    "naive": "odoolib.get_connection, whose JSON-RPC connector sends each request with httpx.post",
    "naive_kept_alive": "odoolib Connection over odoo_io.client.JsonRPCTimeoutConnector, which keeps one httpx.Client",
}


class CallRecordingClient(OdooClient):
    """An OdooClient that counts its calls by model and method and keeps the longest duration of each."""

    def __init__(self, **kwargs: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.max_seconds: dict[str, float] = {}
        super().__init__(**kwargs)

    def _run(self, operation: Callable[[], T], label: str, *, retry: bool) -> T:
        started = time.perf_counter()
        try:
            return super()._run(operation, label, retry=retry)
        finally:
            seconds = time.perf_counter() - started
            self.calls[label] += 1
            self.max_seconds[label] = max(seconds, self.max_seconds.get(label, 0.0))

    def reset(self) -> None:
        self.calls.clear()
        self.max_seconds.clear()


def measure(
    lines: int = DEFAULT_LINES,
    chunk_sizes: list[int] | tuple[int, ...] = DEFAULT_CHUNK_SIZES,
    naive_lines: int = DEFAULT_NAIVE_LINES,
    *,
    time_budget_seconds: float = DEFAULT_TIME_BUDGET_SECONDS,
) -> dict:
    """Measure every chunk size and both naive loops, and return the results as a JSON-ready dict.

    A case that the time budget stops or skips has a `note` and no figures. BenchmarkError is
    raised when a post or a loop does not create exactly the lines it was given.
    """
    deadline = Deadline(time.perf_counter() + time_budget_seconds)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "protocol": PROTOCOL,
        "sandbox_version": SERVER_VERSIONS[PROTOCOL],
        "lines": lines,
        "chunk_sizes": list(chunk_sizes),
        "naive_lines": naive_lines,
        "time_budget_seconds": time_budget_seconds,
        "python": platform.python_version(),
        "odoo_client_lib": version("odoo-client-lib"),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
    }
    with tempfile.TemporaryDirectory(prefix="benchmark-posting-volume-") as workdir, \
            count_sandbox_requests() as counter:
        results["chunked"] = [
            run_bounded(lambda: measure_chunked(size, lines, Path(workdir), counter, deadline), {"chunk_size": size})
            for size in chunk_sizes
        ]
        for variant in NAIVE_VARIANTS:
            results[variant] = run_bounded(
                lambda: measure_naive(variant, naive_lines, lines, Path(workdir), counter, deadline), {}
            )

    add_speed_ratios(results)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    return results


def run_bounded(measurement: Callable[[], dict], labels: dict) -> dict:
    """Run one measurement, or return `labels` with a note when the time budget stops it."""
    try:
        return measurement()
    except TimeBudgetExceeded:
        return {**labels, "note": "not measured: the time budget ran out"}


def measure_chunked(
    chunk_size: int, line_count: int, workdir: Path, counter: SandboxRequestCounter, deadline: Deadline
) -> dict:
    """Post `line_count` lines with post_timesheets at `chunk_size` into a fresh sandbox."""
    deadline.check()
    run_dir = Path(tempfile.mkdtemp(prefix=f"chunk-{chunk_size}-", dir=workdir))
    staging = StagingDatabase(url=f"sqlite:///{run_dir / 'staging.sqlite'}")
    try:
        with seeded_sandbox(PROTOCOL, run_dir) as (server, secret):
            client = connect(server, PROTOCOL, secret, client_class=CallRecordingClient)
            lines = build_lines(client, line_count)
            client.reset()
            timing, result = timed_post(client, staging.engine, lines, chunk_size, counter, deadline)
    finally:
        staging.engine.dispose()
        shutil.rmtree(run_dir, ignore_errors=True)

    if result.created != line_count:
        raise BenchmarkError(
            f"chunk size {chunk_size}: post_timesheets created {result.created} of {line_count} lines "
            f"({result.already_in_odoo} were already in Odoo)"
        )
    figures = {
        "chunk_size": chunk_size,
        "chunks": result.chunks,
        "requests": timing.requests,
        f"requests_per_{PER_LINES}_lines": round(timing.requests * PER_LINES / line_count, 1),
        "seconds": round(timing.seconds, 3),
        "lines_per_second": round(line_count / timing.seconds),
        "calls": dict(sorted(client.calls.items())),
        "max_create_seconds": round(client.max_seconds.get(f"{TIMESHEET_MODEL}.create", 0.0), 3),
        "transient_retries": timing.transient_retries,
    }
    print(f"chunk size {chunk_size}: {json.dumps(figures)}", file=sys.stderr, flush=True)
    return figures


def measure_naive(
    variant: str,
    line_count: int,
    extrapolate_to: int,
    workdir: Path,
    counter: SandboxRequestCounter,
    deadline: Deadline,
) -> dict:
    """Create `line_count` lines one `create` call each, with odoo-client-lib, into a fresh sandbox."""
    deadline.check()
    run_dir = Path(tempfile.mkdtemp(prefix=f"{variant}-", dir=workdir))
    try:
        with seeded_sandbox(PROTOCOL, run_dir) as (server, secret):
            checker = connect(server, PROTOCOL, secret)
            lines = build_lines(checker, line_count)
            timesheets = naive_connection(variant, server, secret).get_model(TIMESHEET_MODEL)

            requests_before = counter.requests
            started = time.perf_counter()
            for line in lines:
                deadline.check()
                timesheets.create(timesheet_values(line))
            seconds = time.perf_counter() - started
            requests = counter.requests - requests_before

            found = read_back_timesheets(checker, [full_external_id(line["external_id"]) for line in lines])
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)

    if len(found) != line_count:
        raise BenchmarkError(f"{variant} loop: the sandbox contains {len(found)} of the {line_count} lines it created")
    seconds_per_line = seconds / line_count
    figures = {
        "client": NAIVE_VARIANTS[variant],
        "lines": line_count,
        "requests": requests,
        f"requests_per_{PER_LINES}_lines": round(requests * PER_LINES / line_count, 1),
        "seconds": round(seconds, 3),
        "lines_per_second": round(line_count / seconds),
        "seconds_per_line": round(seconds_per_line, 6),
        f"estimated_seconds_for_{extrapolate_to}_lines": round(seconds_per_line * extrapolate_to, 1),
        "note": f"measured on {line_count} lines. The figure for {extrapolate_to} lines is an estimate: "
                "the measured seconds per line times that count",
    }
    print(f"{variant}: {json.dumps(figures)}", file=sys.stderr, flush=True)
    return figures


def naive_connection(variant: str, server: SandboxServer, secret: str) -> Connection:
    """Open the odoo-client-lib connection of a naive loop and log in before the clock starts."""
    if variant == "naive":
        connection = odoolib.get_connection(
            hostname="127.0.0.1", protocol=PROTOCOL, port=server.port, database=server.database,
            login=DEMO_API_LOGIN, password=secret,
        )
    else:
        connector = JsonRPCTimeoutConnector("127.0.0.1", server.port, CONNECTOR_TIMEOUT_SECONDS)
        connection = Connection(connector, server.database, DEMO_API_LOGIN, secret)
    connection.check_login(force=True)
    return connection


def add_speed_ratios(results: dict) -> None:
    """Add to each chunk size its lines per second divided by that of each naive loop."""
    for case in results["chunked"]:
        for variant in NAIVE_VARIANTS:
            naive_rate = results[variant].get("lines_per_second")
            if "lines_per_second" in case and naive_rate:
                case[f"times_faster_than_{variant}"] = round(case["lines_per_second"] / naive_rate, 1)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.posting_volume",
        description="Count RPC requests and time post_timesheets on fresh local Odoo sandboxes over JSON-RPC, "
                    "against a loop of one create call per line, and print one JSON object.",
    )
    parser.add_argument("--lines", type=bounded_int(1, MAX_LINES), default=DEFAULT_LINES,
                        help=f"timesheet lines posted per chunk size, 1 to {MAX_LINES} (default {DEFAULT_LINES})")
    parser.add_argument("--chunk-sizes", type=chunk_size_list, default=list(DEFAULT_CHUNK_SIZES),
                        help="comma-separated create-call sizes to measure "
                             f"(default {','.join(map(str, DEFAULT_CHUNK_SIZES))})")
    parser.add_argument("--naive-lines", type=bounded_int(1, MAX_NAIVE_LINES), default=DEFAULT_NAIVE_LINES,
                        help=f"lines created by each one-call-per-line loop, 1 to {MAX_NAIVE_LINES} "
                             f"(default {DEFAULT_NAIVE_LINES}). Its rate is extrapolated to --lines")
    parser.add_argument("--time-budget", type=time_budget, default=DEFAULT_TIME_BUDGET_SECONDS,
                        help="seconds after which no measurement starts and a running one stops. "
                             f"Stopped ones have a note and no figures (default {DEFAULT_TIME_BUDGET_SECONDS:g})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        results = measure(args.lines, args.chunk_sizes, args.naive_lines, time_budget_seconds=args.time_budget)
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
