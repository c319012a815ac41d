"""Time reading and schema-validating labor extracts in each vendor layout.

Usage: python -m benchmarks.reader [--rows N]

For each layout, demo.extracts.write_labor_extract writes one extract of N canonical rows
into a temporary directory once. Each repeat then times read_labor_extract on that file
and checks.labor_schema.validate_labor_rows on the frame it returns. Every row is valid,
so the numbers cover the path where validation finds nothing to report.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

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
from checks.labor_schema import validate_labor_rows
from demo.extracts import DEMO_COST_CODES, DEMO_JOBS, write_labor_extract
from ingest.labor_reader import load_mapping, read_labor_extract

LAYOUTS = ("procore_timecards", "adp_paydata", "crew_timesheet_xlsx")

DEFAULT_ROWS = 20_000
DEFAULT_REPEAT = 3
MAX_ROWS = 100_000
MAX_REPEAT = 20

BUSINESS_DATE = date(2026, 11, 16)
EMPLOYEE_COUNT = 300
CRAFTS = ("CARP", "LAB", "OPER", "CEMT")


def build_rows(count: int) -> list[dict]:
    """Build `count` canonical rows for one business date, in regular and overtime pairs.

    Each pair shares employee, job and cost code, so ADP paydata writes it as one line
    with both hours columns filled and the reader unpivots it back into two rows.
    """
    rows = []
    for index in range(count):
        pair = index // 2
        overtime = index % 2 == 1
        rows.append({
            "job": DEMO_JOBS[pair % len(DEMO_JOBS)],
            "cost_code": DEMO_COST_CODES[(pair // len(DEMO_JOBS)) % len(DEMO_COST_CODES)],
            "cost_type": "L",
            "employee_id": f"E{1001 + pair % EMPLOYEE_COUNT}",
            "craft": CRAFTS[pair % len(CRAFTS)],
            "pay_type": "OT" if overtime else "RT",
            "work_date": BUSINESS_DATE,
            "hours": Decimal("1.50") if overtime else Decimal("8.00"),
        })
    return rows


@dataclass
class LayoutResult:
    """The timings of one layout, or why there are fewer than requested."""

    layout: str
    file_format: str = ""
    file_bytes: int = 0
    canonical_rows: int = 0
    source_rows: int = 0
    write_seconds: float = 0.0
    read_seconds: list[float] = field(default_factory=list)
    validate_seconds: list[float] = field(default_factory=list)
    note: str = ""


def measure_layout(result: LayoutResult, rows: list[dict], repeat: int, workdir: Path, deadline: Deadline) -> None:
    """Write the layout's extract once, then add up to `repeat` read and validation timings."""
    deadline.check()
    mapping = load_mapping(result.layout)
    started = time.perf_counter()
    paths = write_labor_extract(result.layout, BUSINESS_DATE, workdir / result.layout, rows)
    result.write_seconds = time.perf_counter() - started
    extract_path = paths[0]
    result.file_format = mapping.format
    result.file_bytes = extract_path.stat().st_size

    for attempt in range(1, repeat + 1):
        deadline.check()
        started = time.perf_counter()
        extract = read_labor_extract(extract_path, mapping, business_date=BUSINESS_DATE)
        read_seconds = time.perf_counter() - started

        started = time.perf_counter()
        valid, exceptions = validate_labor_rows(extract.frame, BUSINESS_DATE)
        validate_seconds = time.perf_counter() - started

        check_complete(result.layout, len(rows), extract, valid, exceptions)
        result.canonical_rows = len(extract.frame)
        result.source_rows = extract.source_rows_in
        result.read_seconds.append(read_seconds)
        result.validate_seconds.append(validate_seconds)
        print(
            f"{result.layout} repeat {attempt}/{repeat}: read {read_seconds:.3f} s, validate {validate_seconds:.3f} s",
            file=sys.stderr,
            flush=True,
        )


def check_complete(layout: str, expected: int, extract, valid, exceptions) -> None:
    """Raise BenchmarkError unless every written row was read and passed validation."""
    problems = []
    if extract.exceptions:
        problems.append(f"{len(extract.exceptions)} reader exceptions, the first: {extract.exceptions[0]}")
    if len(extract.frame) != expected:
        problems.append(f"read {len(extract.frame)} rows")
    if exceptions:
        problems.append(f"{len(exceptions)} schema exceptions, the first: {exceptions[0]}")
    if len(valid) != expected:
        problems.append(f"{len(valid)} valid rows")
    if problems:
        raise BenchmarkError(f"{layout}: wrote {expected} rows but {'; '.join(problems)}")


def run_benchmark(args: argparse.Namespace) -> list[LayoutResult]:
    """Measure every requested layout until done or out of time."""
    deadline = Deadline(time.perf_counter() + args.time_budget)
    rows = build_rows(args.rows)
    results = [LayoutResult(layout) for layout in args.layouts]
    out_of_time = False
    with tempfile.TemporaryDirectory(prefix="benchmark-reader-") as workdir:
        for result in results:
            if out_of_time:
                result.note = "skipped: time budget used up"
                continue
            try:
                measure_layout(result, rows, args.repeat, Path(workdir), deadline)
            except TimeBudgetExceeded:
                result.note = f"stopped by the {args.time_budget:g} s time budget"
                out_of_time = True
    return results


def format_report(args: argparse.Namespace, results: list[LayoutResult], elapsed: float) -> str:
    """Render the results as a Markdown table with one row per layout."""
    header = [
        f"Reader benchmark, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}: {args.rows} canonical rows per "
        f"layout, median of up to {args.repeat} repeats, {elapsed:.0f} s in total.",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs reported by os.cpu_count().",
        "",
        "| layout | format | file KiB | source rows | canonical rows | write s | read s | validate s "
        "| read + validate s | rows/s | repeats | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    return "\n".join(header + [format_layout(result) for result in results])


def format_layout(result: LayoutResult) -> str:
    cells = [result.layout, result.file_format]
    if result.read_seconds:
        read = statistics.median(result.read_seconds)
        validate = statistics.median(result.validate_seconds)
        # The median of the per-repeat sums, not the sum of the two medians.
        total = statistics.median(r + v for r, v in zip(result.read_seconds, result.validate_seconds, strict=True))
        cells += [
            f"{result.file_bytes / 1024:,.0f}", f"{result.source_rows:,}", f"{result.canonical_rows:,}",
            f"{result.write_seconds:.3f}", f"{read:.3f}", f"{validate:.3f}", f"{total:.3f}",
            f"{result.canonical_rows / total:,.0f}",
        ]
    else:
        cells += [""] * 8
    cells += [str(len(result.read_seconds)), result.note]
    return "| " + " | ".join(cells) + " |"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.reader",
        description="Time read_labor_extract and validate_labor_rows per layout and print a Markdown table.",
    )
    parser.add_argument("--rows", type=bounded_int(1, MAX_ROWS), default=DEFAULT_ROWS,
                        help=f"canonical rows written per layout, 1 to {MAX_ROWS} (default {DEFAULT_ROWS})")
    parser.add_argument("--repeat", type=bounded_int(1, MAX_REPEAT), default=DEFAULT_REPEAT,
                        help=f"timed reads per layout, 1 to {MAX_REPEAT}. The table shows the median "
                             f"(default {DEFAULT_REPEAT})")
    parser.add_argument("--layouts", type=name_list(LAYOUTS, "layouts"), default=list(LAYOUTS),
                        help=f"comma-separated layouts to measure (default {','.join(LAYOUTS)})")
    parser.add_argument("--time-budget", type=time_budget, default=DEFAULT_TIME_BUDGET_SECONDS,
                        help="seconds after which no write, read or validation starts, though a step already "
                             f"running finishes. At most {MAX_TIME_BUDGET_SECONDS:g} (default {DEFAULT_TIME_BUDGET_SECONDS:g})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        results = run_benchmark(args)
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    print(format_report(args, results, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
