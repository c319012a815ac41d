"""Measure the pipeline at month-end volumes and write docs/benchmarks.md.

    .venv/bin/python -m benchmarks.pipeline            (or: make bench)
    .venv/bin/python -m benchmarks.pipeline --labor-rows 10000,100000 --equipment-readings 10000 --no-write

For each labor size it writes a Procore extract (benchmarks.labor_volume), then runs, each in
a fresh child process: a bare pandas.read_csv of the file (the floor), and the labor batch's
parse, validate and stage steps into a temporary PostgreSQL database. Then it runs the
equipment path on generated telematics snapshots (benchmarks.equipment_volume) and the
posting comparison against the Odoo sandbox (benchmarks.posting_volume). Each child has a
time limit and an address-space limit, and a child that exceeds one is reported, not retried.
The page lists every figure with the machine it ran on and the ratios the targets refer to.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.labor_volume import generate
from resources.odoo import OdooResource

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "benchmarks.md"
DEFAULT_LABOR_ROWS = (10_000, 100_000, 1_000_000, 5_000_000)
DEFAULT_EQUIPMENT_READINGS = 100_000
DEFAULT_POSTING_LINES = 10_000
DEFAULT_NAIVE_LINES = 2_000
RESULTS_START = "<!-- results: written by benchmarks.pipeline -->"
RESULTS_END = "<!-- end of results -->"
CHILD_TIMEOUT_SECONDS = 3600
CHILD_MEMORY_LIMIT_GIB = 16
DEFAULT_CHUNK_SIZE = OdooResource.model_fields["chunk_size"].default


def run_child(args: list[str], memory_limit_gib: int) -> dict:
    """Run `python -m <args>` in a child process and return the JSON object it prints, or why it failed."""
    limit = memory_limit_gib * 1024**3

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.monotonic()
    try:
        completed = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                                   timeout=CHILD_TIMEOUT_SECONDS, preexec_fn=limit_memory,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    except subprocess.TimeoutExpired:
        return {"failed": f"timed out after {CHILD_TIMEOUT_SECONDS} s"}
    wall = time.monotonic() - started
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return {"failed": f"exit status {completed.returncode}: {last[:300]}", "wall_seconds": wall}
    return json.loads(completed.stdout)


def measure_labor(rows: int, workdir: Path, memory_limit_gib: int) -> dict:
    folder = workdir / f"labor-{rows}"
    path = generate(rows, folder)
    result = {"rows": rows, "file_mib": path.stat().st_size / 1024**2}
    result["floor"] = run_child(["benchmarks.labor_volume", "floor", str(path)], memory_limit_gib)
    result["pipeline"] = run_child(["benchmarks.labor_volume", "pipeline", str(path)], memory_limit_gib)
    shutil.rmtree(folder, ignore_errors=True)
    return result


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    memory_kib = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")), 0)
    versions = {}
    for package in ("pandas", "pandera", "numpy", "sqlalchemy", "psycopg2", "dagster"):
        try:
            versions[package] = __import__(package).__version__
        except ImportError:
            versions[package] = "not installed"
    postgres = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "show server_version"],
                              capture_output=True, text=True).stdout.strip() or "unknown"
    return [
        f"- CPU: {os.cpu_count()} cores reported by os.cpu_count(), model \"{cpu}\"; memory {memory_kib / 1024**2:.0f} GiB.",
        f"- {platform.platform()}; Python {platform.python_version()}; PostgreSQL {postgres} on 127.0.0.1.",
        "- " + ", ".join(f"{name} {version}" for name, version in versions.items()) + ".",
    ]


def current_commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def write_page(results: dict, seconds: float, command: str, commit: str, finished_at: str) -> str:
    lines = [
        "## Results of the last run",
        "",
        f"Measured by `{command}`, finished {finished_at} UTC at commit {commit}, in {seconds:.0f} s. "
        "`make bench` runs the default sizes. No test asserts a time; `tests/benchmarks` only checks that the "
        "commands run on a small size.",
        "",
        "### Machine",
        "",
        *machine(),
        "",
        "The machine may be shared with other work, so differences of about 25 % between runs are noise.",
        "",
        "### Labor: parse, validate and stage",
        "",
        "A Procore timecard extract for one day, each employee with one regular and one overtime row. One row "
        "in 100 names an unknown employee and one in 250 has hours not exact to 0.01, so held rows are part of "
        "every run. The labor batch reads an extract larger than 8 MiB in parts of about 8 MiB. The survey "
        "parses every part, checks it against the pandera schema, adds up the daily hours and record ids of "
        "the whole file and spools the checked part to disk (`survey_labor_extract`). Validate and stage "
        "reads each part back, runs the daily-hours, master-data and duplicate rules and stages it into a "
        "temporary PostgreSQL database with COPY, every part in one transaction (`stage_surveyed_parts`). The "
        "Odoo master data is built in memory. The floor is `pandas.read_csv(file)` with its defaults. The "
        "floor and the labor batch run in two child processes for each size. Peak memory is the process's "
        "ru_maxrss at the end of each step, so the last figure is the peak of the whole labor batch.",
        "",
    ]
    by_rows = {}
    step_names = next((list(item["pipeline"]["seconds"]) for item in results["labor"]
                       if "seconds" in item["pipeline"]), ["survey", "validate and stage"])
    lines += [
        "| rows | file MiB | floor s | " + " | ".join(f"{step} s" for step in step_names)
        + " | total s | rows/s | total / floor | peak MiB after " + " / ".join(step_names) + " | floor peak MiB |",
        "|" + "---:|" * (8 + len(step_names)),
    ]
    for item in results["labor"]:
        floor, run = item["floor"], item["pipeline"]
        if "failed" in run or "failed" in floor:
            lines.append(f"| {item['rows']:,} | {item['file_mib']:.0f} | {floor.get('failed') or round(floor['seconds'], 2)} "
                         f"| did not finish: {run.get('failed', '')} |" + " |" * (4 + len(step_names)))
            continue
        by_rows[item["rows"]] = item
        steps = " | ".join(f"{run['seconds'][step]:.2f}" for step in step_names)
        lines.append(
            f"| {item['rows']:,} | {item['file_mib']:.0f} | {floor['seconds']:.2f} | {steps} | "
            f"{run['total_seconds']:.2f} | {item['rows'] / run['total_seconds']:,.0f} | "
            f"{run['total_seconds'] / floor['seconds']:.1f} | {peaks_text(run, step_names)} | "
            f"{floor['peak_rss_mib']:,.0f} |")

    lines += ["", "### Equipment: telematics to a staged entry", ""]
    equipment = results.get("equipment") or {}
    if "failed" in equipment or not equipment:
        lines.append(f"Did not finish: {equipment.get('failed', 'not run')}.")
    else:
        lines += [
            f"{equipment['readings']:,} hour-meter readings ({equipment['units']:,} units, two XML snapshots), "
            f"{equipment['rows_staged']:,} unit-days staged and {equipment['rows_held']:,} held, "
            f"{equipment['charge_lines_staged']:,} charge lines. Total {equipment['total_seconds']:.1f} s, "
            f"{equipment['readings_per_second']:,} readings/s, peak {equipment['peak_rss_mib']:,.0f} MiB.",
            "",
            "| step | seconds |",
            "|---|---:|",
            *[f"| {step} | {value:.2f} |" for step, value in equipment["seconds"].items()],
        ]

    lines += ["", "### Posting into the Odoo sandbox", ""]
    posting = results.get("posting") or {}
    if "failed" in posting or "chunked" not in posting:
        lines.append(f"Did not finish: {posting.get('failed', 'not run')}.")
    else:
        lines += posting_lines(posting)

    lines += ["", "### Targets", "", *target_lines(by_rows, posting), ""]
    return "\n".join(lines)


def peaks_text(run: dict, step_names: list[str]) -> str:
    by_step = run.get("peak_rss_mib_by_step_end")
    if not by_step:
        return f"{run['peak_rss_mib']:,.0f}"
    return " / ".join(f"{by_step[step]:,.0f}" for step in step_names)


def posting_lines(posting: dict) -> list[str]:
    lines = [
        f"{posting['lines']:,} timesheet lines posted with `post_timesheets` over JSON-RPC into a new sandbox for each "
        "chunk size (`benchmarks.posting_volume`). The naive loop is what integration scripts do: odoo-client-lib's "
        "own connection and one `create` call per line. It runs on fewer lines and its rate is extrapolated.",
        "",
        "| chunk size | HTTP requests | requests per 10 k lines | seconds | lines/s | times the naive loop |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for run in posting["chunked"]:
        # When every line fits in one chunk, requests per 10 k lines would be a scaled-up guess.
        per_10k = "n/a" if run["chunk_size"] > posting["lines"] else f"{run['requests_per_10000_lines']:.0f}"
        lines.append(f"| {run['chunk_size']:,} | {run['requests']:,} | {per_10k} | "
                     f"{run['seconds']:.2f} | {run['lines_per_second']:,} | {run['times_faster_than_naive']:.0f} |")
    naive, kept_alive = posting["naive"], posting.get("naive_kept_alive")
    lines += ["", f"The naive loop: {naive['lines']:,} lines at {naive['lines_per_second']:,} lines/s."]
    if kept_alive:
        lines.append(f"The same loop over one kept-alive HTTP connection: {kept_alive['lines_per_second']:,} lines/s.")
    return lines


def target_lines(by_rows: dict, posting: dict) -> list[str]:
    lines = ["| target | measured | met |", "|---|---|---|"]
    one_million = by_rows.get(1_000_000)
    five_million = by_rows.get(5_000_000)
    if one_million:
        ratio = one_million["pipeline"]["total_seconds"] / one_million["floor"]["seconds"]
        lines.append(f"| parse + validate + stage at most 3 times `read_csv` at 1 M rows | {ratio:.1f} times | "
                     f"{'yes' if ratio <= 3 else 'no'} |")
    else:
        lines.append("| parse + validate + stage at most 3 times `read_csv` at 1 M rows | not measured in this run | |")
    if five_million:
        peak = five_million["pipeline"]["peak_rss_mib"] / 1024
        lines.append(f"| peak memory under 1.5 GiB at 5 M rows | {peak:.1f} GiB | {'yes' if peak < 1.5 else 'no'} |")
    else:
        lines.append("| peak memory under 1.5 GiB at 5 M rows | not measured in this run | |")
    if one_million and five_million:
        curve = five_million["pipeline"]["total_seconds"] / one_million["pipeline"]["total_seconds"]
        lines.append(f"| time at 5 M rows / time at 1 M rows close to 5 (judged as at most 5.5) | {curve:.1f} | "
                     f"{'yes' if curve <= 5.5 else 'no'} |")
    else:
        lines.append("| time at 5 M rows / time at 1 M rows close to 5 | not measured in this run | |")
    for run in posting.get("chunked", []):
        if run["chunk_size"] not in (DEFAULT_CHUNK_SIZE, max(item["chunk_size"] for item in posting["chunked"])):
            continue
        name = f"chunk size {run['chunk_size']:,}"
        if run["chunk_size"] > posting["lines"]:
            # One chunk contains every line, so the count per 10 k lines would be a scaled-up guess.
            lines.append(f"| at most 10 requests per 10 k lines, {name} | not measured: {posting['lines']:,} lines "
                         "fit in one chunk | |")
        else:
            requests = run["requests_per_10000_lines"]
            lines.append(f"| at most 10 requests per 10 k lines, {name} | {requests:.0f} | "
                         f"{'yes' if requests <= 10 else 'no'} |")
        speedup = run["times_faster_than_naive"]
        lines.append(f"| at least 50 times the naive loop, {name} | {speedup:.0f} times | "
                     f"{'yes' if speedup >= 50 else 'no'} |")
    return lines


def with_notes(page: str) -> str:
    """Put the generated page between the markers of docs/benchmarks.md, keeping the written notes around it."""
    generated = f"{RESULTS_START}\n{page}\n{RESULTS_END}"
    if not PAGE.exists() or RESULTS_START not in PAGE.read_text():
        return generated + "\n"
    before, rest = PAGE.read_text().split(RESULTS_START, 1)
    after = rest.split(RESULTS_END, 1)[1] if RESULTS_END in rest else "\n"
    return before + generated + after


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid sizes {text!r}; expected whole numbers separated by commas") from None
    if not sizes or any(size < 10 or size > 20_000_000 for size in sizes):
        raise argparse.ArgumentTypeError(f"invalid sizes {text!r}; each must be 10 to 20,000,000")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labor-rows", type=parse_sizes, default=list(DEFAULT_LABOR_ROWS),
                        help="labor extract sizes, separated by commas (default: 10000,100000,1000000,5000000)")
    parser.add_argument("--equipment-readings", type=int, default=DEFAULT_EQUIPMENT_READINGS,
                        help=f"hour-meter readings in the equipment snapshots (default: {DEFAULT_EQUIPMENT_READINGS})")
    parser.add_argument("--posting-lines", type=int, default=DEFAULT_POSTING_LINES,
                        help=f"timesheet lines posted at each chunk size (default: {DEFAULT_POSTING_LINES})")
    parser.add_argument("--naive-lines", type=int, default=DEFAULT_NAIVE_LINES,
                        help="lines the one-create-per-line loop posts; its rate is extrapolated")
    parser.add_argument("--memory-limit-gib", type=int, default=CHILD_MEMORY_LIMIT_GIB,
                        help=f"address-space limit of each child process in GiB (default: {CHILD_MEMORY_LIMIT_GIB})")
    parser.add_argument("--no-write", action="store_true", help="print the page instead of writing docs/benchmarks.md")
    parser.add_argument("--from-json", type=Path, help="write the page from saved results instead of measuring")
    args = parser.parse_args(argv)

    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        page = write_page(saved["results"], saved["seconds"], saved["command"], saved["commit"], saved["finished_at"])
        if args.no_write:
            print(page)
        else:
            PAGE.write_text(with_notes(page))
        return 0

    started = time.monotonic()
    results: dict = {"labor": []}
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        for rows in args.labor_rows:
            print(f"labor: {rows:,} rows", file=sys.stderr)
            results["labor"].append(measure_labor(rows, Path(workdir), args.memory_limit_gib))
    print(f"equipment: {args.equipment_readings:,} readings", file=sys.stderr)
    results["equipment"] = run_child(["benchmarks.equipment_volume", "--readings", str(args.equipment_readings)],
                                     args.memory_limit_gib)
    print(f"posting: {args.posting_lines:,} lines", file=sys.stderr)
    results["posting"] = run_child(["benchmarks.posting_volume", "--lines", str(args.posting_lines),
                                    "--naive-lines", str(args.naive_lines)], args.memory_limit_gib)

    options = sys.argv[1:] if argv is None else argv
    command = " ".join([".venv/bin/python -m benchmarks.pipeline", *options])
    seconds = time.monotonic() - started
    commit, finished_at = current_commit(), f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
    page = write_page(results, seconds, command, commit, finished_at)
    if args.no_write:
        print(page)
    else:
        PAGE.write_text(with_notes(page))
        saved = {"command": command, "seconds": seconds, "commit": commit, "finished_at": finished_at,
                 "results": results}
        (ROOT / "benchmarks" / "pipeline-results.json").write_text(json.dumps(saved, indent=2) + "\n")
        print(f"Wrote {PAGE.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
