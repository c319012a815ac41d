"""Time post_timesheets against a local Odoo sandbox, per RPC protocol and chunk size.

Usage: python -m benchmarks.posting [--lines N] [--repeat R]

Each measurement starts a newly seeded sandbox and a new SQLite staging database, so no
measurement finds lines that an earlier one created. It times two calls of post_timesheets
with the same lines. The first call creates every line, and the rerun finds every line by
its ref and creates nothing. The login and the master data look-ups happen before the clock
starts. The sandbox serves xmlrpc and jsonrpc as Odoo 17.0 and json2 as Odoo 19.0, because
JSON-2 exists only from 19.0.

The sandbox is a single-threaded SQLite server running in this process on a background
thread, so client and server share one interpreter. The numbers measure the pipeline plus
the sandbox on loopback, not a real Odoo server.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from benchmarks.common import (
    DEFAULT_TIME_BUDGET_SECONDS,
    MAX_TIME_BUDGET_SECONDS,
    BenchmarkError,
    Deadline,
    TimeBudgetExceeded,
    bounded_int,
    name_list,
    time_budget,
)
from demo.extracts import DEMO_COST_CODES, DEMO_EMPLOYEES, DEMO_JOBS
from odoo_io.client import OdooClient
from odoo_io.master_data import LaborMasterData, fetch_labor_master_data
from odoo_io.timesheets import PostingResult, external_id_name, post_timesheets
from odoo_sandbox.seed import DEMO_API_LOGIN, generate_credentials
from odoo_sandbox.server import SandboxServer
from resources.staging import StagingDatabase

PROTOCOLS = ("xmlrpc", "jsonrpc", "json2")
CHUNK_SIZES = (1, 50, 200, 500)
SERVER_VERSIONS = {"xmlrpc": "17.0", "jsonrpc": "17.0", "json2": "19.0"}

DEFAULT_LINES = 2000
DEFAULT_REPEAT = 3
MAX_LINES = 100_000
MAX_REPEAT = 20
MAX_CHUNK_SIZE = 10_000
# Chunk size 1 sends four requests per line, so it runs only for small batches.
SINGLE_LINE_CHUNK_MAX_LINES = 500

# Later than every lock date the demo seed sets for 17.0, 18.0 and 19.0.
WORK_DATE = date(2026, 11, 16)
SOURCE_SYSTEM = "benchmark"
BATCH_ID = "benchmark"


class SandboxRequestCounter(logging.Filter):
    """Count the HTTP requests the sandbox serves, from the access-log record of each one.

    The sandbox's request handler logs every request at DEBUG from its log_message method,
    so counting needs the logger at DEBUG. This filter counts those records and drops them.
    It passes other records only at or above `pass_level`, the logger's effective level
    before counting began, so the log shows what it showed without the counter.
    """

    def __init__(self, pass_level: int) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.pass_level = pass_level
        self.requests = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.DEBUG and record.funcName == "log_message":
            with self._lock:
                self.requests += 1
            return False
        return record.levelno >= self.pass_level


@contextmanager
def count_sandbox_requests() -> Iterator[SandboxRequestCounter]:
    """Install a SandboxRequestCounter on the sandbox server's logger for the duration of the block."""
    sandbox_logger = logging.getLogger(SandboxServer.__module__)
    counter = SandboxRequestCounter(pass_level=sandbox_logger.getEffectiveLevel())
    previous_level = sandbox_logger.level
    sandbox_logger.addFilter(counter)
    sandbox_logger.setLevel(logging.DEBUG)
    try:
        yield counter
    finally:
        sandbox_logger.setLevel(previous_level)
        sandbox_logger.removeFilter(counter)


# -- staged lines ----------------------------------------------------------------------


def build_lines(client: OdooClient, count: int) -> list[dict]:
    """Build `count` valid staged lines that refer to the seeded jobs, tasks and employees.

    Ids come from the sandbox through the pipeline's own master data look-up. Lines cycle
    through the eight demo employees, then the three open jobs, then four cost codes, and
    every fifth line is two overtime hours.
    """
    master = fetch_labor_master_data(client, set(DEMO_JOBS), set(DEMO_EMPLOYEES))
    require_master_data(master)
    employees = sorted(DEMO_EMPLOYEES)
    lines = []
    for index in range(count):
        employee_number = employees[index % len(employees)]
        job = master.jobs[DEMO_JOBS[(index // len(employees)) % len(DEMO_JOBS)]]
        cost_code = DEMO_COST_CODES[(index // (len(employees) * len(DEMO_JOBS))) % len(DEMO_COST_CODES)]
        overtime = index % 5 == 4
        lines.append({
            "external_id": external_id_name("labor", SOURCE_SYSTEM, f"{index:07d}"),
            "job": job.number,
            "cost_code": cost_code,
            "cost_type": "L",
            "pay_type": "OT" if overtime else "RT",
            "craft": DEMO_EMPLOYEES[employee_number][1],
            "work_date": WORK_DATE,
            "hours": Decimal("2.00") if overtime else Decimal("8.00"),
            "odoo_project_id": job.project_id,
            "odoo_task_id": master.phases[(job.project_id, cost_code)].task_id,
            "odoo_employee_id": master.employees[employee_number].employee_id,
            "source_row": index + 2,  # row 1 of an extract is its header
        })
    return lines


def require_master_data(master: LaborMasterData) -> None:
    """Raise BenchmarkError naming any demo job, task or employee the seeded sandbox lacks."""
    missing = [f"job {number}" for number in DEMO_JOBS if number not in master.jobs]
    missing += [f"employee {number}" for number in sorted(DEMO_EMPLOYEES) if number not in master.employees]
    for job in master.jobs.values():
        missing += [
            f"task {code} of {job.number}" for code in DEMO_COST_CODES if (job.project_id, code) not in master.phases
        ]
    if missing:
        raise BenchmarkError(
            f"the seeded sandbox has no {', '.join(missing)}. Update build_lines in {__name__} to match the demo seed"
        )


# -- measurements ----------------------------------------------------------------------


@dataclass(frozen=True)
class PostTiming:
    seconds: float
    requests: int  # HTTP requests the sandbox served during the post
    transient_retries: int


@dataclass(frozen=True)
class Measurement:
    first: PostTiming
    rerun: PostTiming


@dataclass
class CaseResult:
    """The measurements of one protocol and chunk size, or why there are fewer than requested."""

    protocol: str
    chunk_size: int
    measurements: list[Measurement] = field(default_factory=list)
    note: str = ""

    @property
    def server_version(self) -> str:
        return SERVER_VERSIONS[self.protocol]


@contextmanager
def seeded_sandbox(protocol: str, run_dir: Path) -> Iterator[tuple[SandboxServer, str]]:
    """Start a newly seeded sandbox in `run_dir`, yield it with the API user's secret, and stop it on exit."""
    credentials = generate_credentials()
    server = SandboxServer(
        run_dir / "sandbox.sqlite3", version=SERVER_VERSIONS[protocol], port=0, seed="demo", credentials=credentials
    ).start()
    try:
        # JSON-2 authenticates with an API key as bearer token. XML-RPC and JSON-RPC log in
        # with the password, as the pipeline tests do.
        yield server, credentials["api_key"] if protocol == "json2" else credentials["api_password"]
    finally:
        server.stop()


def connect(
    server: SandboxServer, protocol: str, secret: str, client_class: type[OdooClient] = OdooClient
) -> OdooClient:
    """Build a pipeline client for the sandbox's API user. odoo-client-lib logs in on the first call."""
    return client_class(
        host="127.0.0.1",
        port=server.port,
        protocol=protocol,
        database=server.database,
        login=DEMO_API_LOGIN,
        password=secret,
    )


def measure_once(
    protocol: str,
    chunk_size: int,
    line_count: int,
    workdir: Path,
    counter: SandboxRequestCounter,
    deadline: Deadline,
) -> Measurement:
    """Seed a sandbox and a staging database, then time a first post and a rerun of the same lines."""
    deadline.check()
    run_dir = Path(tempfile.mkdtemp(prefix=f"{protocol}-{chunk_size}-", dir=workdir))
    staging = StagingDatabase(url=f"sqlite:///{run_dir / 'staging.sqlite'}")
    try:
        with seeded_sandbox(protocol, run_dir) as (server, secret):
            client = connect(server, protocol, secret)
            lines = build_lines(client, line_count)

            first, first_result = timed_post(client, staging.engine, lines, chunk_size, counter, deadline)
            if first_result.created != line_count:
                raise BenchmarkError(
                    f"{protocol} chunk size {chunk_size}: first post created {first_result.created} "
                    f"of {line_count} lines ({first_result.already_in_odoo} were already in Odoo)"
                )
            rerun, rerun_result = timed_post(client, staging.engine, lines, chunk_size, counter, deadline)
            if rerun_result.created or rerun_result.already_in_odoo != line_count:
                raise BenchmarkError(
                    f"{protocol} chunk size {chunk_size}: rerun created {rerun_result.created} lines and found "
                    f"{rerun_result.already_in_odoo} of {line_count}, but it should find them all and create none"
                )
            return Measurement(first, rerun)
    finally:
        staging.engine.dispose()
        shutil.rmtree(run_dir, ignore_errors=True)


def timed_post(
    client: OdooClient,
    engine: Engine,
    lines: list[dict],
    chunk_size: int,
    counter: SandboxRequestCounter,
    deadline: Deadline,
) -> tuple[PostTiming, PostingResult]:
    """Run post_timesheets once and return its wall time, the requests it caused and its result."""
    requests_before = counter.requests
    # PostingResult.transient_retries adds every retry the client made since it was created,
    # so the retries of this post alone are the difference from the client's earlier count.
    retries_before = client.transient_retries
    started = time.perf_counter()
    result = post_timesheets(
        client, engine, batch_id=BATCH_ID, lines=lines, chunk_size=chunk_size, after_chunk=deadline.check
    )
    seconds = time.perf_counter() - started
    timing = PostTiming(seconds, counter.requests - requests_before, result.transient_retries - retries_before)
    return timing, result


def run_case(
    case: CaseResult, line_count: int, repeat: int, workdir: Path, counter: SandboxRequestCounter, deadline: Deadline
) -> None:
    """Add up to `repeat` measurements to `case`. TimeBudgetExceeded propagates to the caller."""
    for attempt in range(1, repeat + 1):
        measurement = measure_once(case.protocol, case.chunk_size, line_count, workdir, counter, deadline)
        case.measurements.append(measurement)
        print(
            f"{case.protocol} chunk {case.chunk_size} repeat {attempt}/{repeat}: "
            f"post {measurement.first.seconds:.3f} s, rerun {measurement.rerun.seconds:.3f} s",
            file=sys.stderr,
            flush=True,
        )


def run_benchmark(args: argparse.Namespace) -> list[CaseResult]:
    """Measure every requested protocol and chunk size until done or out of time."""
    deadline = Deadline(time.perf_counter() + args.time_budget)
    cases = [CaseResult(protocol, chunk_size) for protocol in args.protocols for chunk_size in args.chunk_sizes]
    out_of_time = False
    with tempfile.TemporaryDirectory(prefix="benchmark-posting-") as workdir, count_sandbox_requests() as counter:
        for case in cases:
            if case.chunk_size == 1 and args.lines > SINGLE_LINE_CHUNK_MAX_LINES:
                case.note = f"skipped: chunk size 1 runs only up to {SINGLE_LINE_CHUNK_MAX_LINES} lines"
                continue
            if out_of_time:
                case.note = "skipped: time budget used up"
                continue
            try:
                run_case(case, args.lines, args.repeat, Path(workdir), counter, deadline)
            except TimeBudgetExceeded:
                case.note = f"stopped by the {args.time_budget:g} s time budget"
                out_of_time = True
    return cases


# -- report ----------------------------------------------------------------------------


def format_report(args: argparse.Namespace, cases: list[CaseResult], elapsed: float) -> str:
    """Render the results as a Markdown table with one row per protocol and chunk size."""
    header = [
        f"Posting benchmark, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}: {args.lines} lines per post, "
        f"median of up to {args.repeat} repeats, {elapsed:.0f} s in total.",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs reported by os.cpu_count().",
        "",
        "| protocol | sandbox | chunk size | post s (min-max) | post lines/s | post requests "
        "| rerun s (min-max) | rerun lines/s | rerun requests | retries | repeats | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    rows = [format_case(case, args.lines) for case in cases]
    return "\n".join(header + rows)


def format_case(case: CaseResult, line_count: int) -> str:
    cells = [case.protocol, case.server_version, str(case.chunk_size)]
    if case.measurements:
        first = [m.first for m in case.measurements]
        rerun = [m.rerun for m in case.measurements]
        cells += [
            format_seconds(first), f"{line_count / median_seconds(first):,.0f}", str(median_requests(first)),
            format_seconds(rerun), f"{line_count / median_seconds(rerun):,.0f}", str(median_requests(rerun)),
            str(sum(t.transient_retries for t in first + rerun)),
        ]
    else:
        cells += [""] * 7
    cells += [str(len(case.measurements)), case.note]
    return "| " + " | ".join(cells) + " |"


def median_seconds(timings: list[PostTiming]) -> float:
    return statistics.median(t.seconds for t in timings)


def median_requests(timings: list[PostTiming]) -> int:
    return round(statistics.median(t.requests for t in timings))


def format_seconds(timings: list[PostTiming]) -> str:
    seconds = [t.seconds for t in timings]
    return f"{statistics.median(seconds):.3f} ({min(seconds):.3f}-{max(seconds):.3f})"


# -- command line ----------------------------------------------------------------------


def chunk_size_list(text: str) -> list[int]:
    parse = bounded_int(1, MAX_CHUNK_SIZE)
    sizes = [parse(part.strip()) for part in text.split(",") if part.strip()]
    if not sizes:
        raise argparse.ArgumentTypeError("no chunk sizes given, expected a comma-separated list such as 50,200")
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.posting",
        description="Time post_timesheets against fresh local Odoo sandboxes and print a Markdown table.",
    )
    parser.add_argument("--lines", type=bounded_int(1, MAX_LINES), default=DEFAULT_LINES,
                        help=f"timesheet lines per post, 1 to {MAX_LINES} (default {DEFAULT_LINES})")
    parser.add_argument("--repeat", type=bounded_int(1, MAX_REPEAT), default=DEFAULT_REPEAT,
                        help=f"timed repeats per protocol and chunk size, 1 to {MAX_REPEAT}. "
                             f"The table shows the median (default {DEFAULT_REPEAT})")
    parser.add_argument("--protocols", type=name_list(PROTOCOLS, "protocols"), default=list(PROTOCOLS),
                        help=f"comma-separated protocols to measure (default {','.join(PROTOCOLS)})")
    parser.add_argument("--chunk-sizes", type=chunk_size_list, default=list(CHUNK_SIZES),
                        help="comma-separated create-call sizes to measure (default "
                             f"{','.join(map(str, CHUNK_SIZES))}). Size 1 is skipped above "
                             f"{SINGLE_LINE_CHUNK_MAX_LINES} lines")
    parser.add_argument("--time-budget", type=time_budget, default=DEFAULT_TIME_BUDGET_SECONDS,
                        help="seconds after which no measurement starts and a running post stops between "
                             f"two chunks, at most {MAX_TIME_BUDGET_SECONDS:g} (default {DEFAULT_TIME_BUDGET_SECONDS:g}). "
                             "Measurements stopped this way are left out of the table")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    try:
        cases = run_benchmark(args)
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    print(format_report(args, cases, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
