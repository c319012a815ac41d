"""Run the fault and bad-input suites and write docs/reliability.md with what they tried.

    .venv/bin/python -m benchmarks.reliability        (or: make reliability)

Each fault class maps to the tests that inject it. The command runs them once through pytest,
against real PostgreSQL, SFTP servers and the Odoo sandbox as `make test` does. It counts the
tests per class from pytest's JUnit XML, adds the counts that the seeded fault campaign and the
bad-input corpus write to test-artifacts/reliability/, and writes the page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "reliability"
PAGE = ROOT / "docs" / "reliability.md"

# (fault class, how it is injected, test node id prefixes)
FAULT_CLASSES = (
    ("Killed posting process", "a child process running the labor, equipment or accrual job is killed after a "
     "chunk or entry reached Odoo and the ledger, while it waits for a create or post Odoo already committed, "
     "during the reversal of a corrected day, and at a seeded random moment of posting; the run is marked "
     "canceled as the UI's force termination does, and the partition runs again",
     ("tests/reliability/test_killed_runs.py",)),
    ("Crash during posting, in-process", "the post stops between chunks or between a journal entry's create and "
     "its post; then the batch posts again", (
         "tests/pipeline/test_posting_faults.py::test_crash_between_chunks_then_rerun",
         "tests/pipeline/test_posting_faults.py::test_process_stopping_after_a_chunk_resumes_on_rerun",
         "tests/odoo/test_journal_entries.py::test_draft_left_by_a_crash_is_posted_not_duplicated")),
    ("Unknown outcome of a write", "the sandbox commits a create or post, then drops the connection, answers 503 "
     "or answers after the client's timeout", (
         "tests/pipeline/test_posting_faults.py::test_unknown_create_outcome_not_repeated",
         "tests/odoo/test_journal_entries.py::test_lost_answer_is_looked_up_not_repeated")),
    ("Odoo faults at random", "seeded generator: 10 % of calls meet a 429, 502 or 503, a serialization "
     "failure or a slow answer before they run, 30 % of creates and posts fail after they commit; reruns "
     "until the partition is done",
     ("tests/reliability/test_fault_campaign.py",)),
    ("Odoo validation faults", "Odoo refuses a line (an archived employee); the chunk is split to find it",
     ("tests/pipeline/test_posting_faults.py::test_validation_fault_isolates_the_refused_line",
      "tests/pipeline/test_posting_faults.py::test_employee_archived_before_post_is_held_not_lost")),
    ("SFTP faults", "files that grow during the listing or the transfer, markers without their file, stalled and "
     "dropped connections, unknown and changed host keys, links and unsafe names on the drop",
     ("tests/sftp/",)),
    ("Bad input", "hypothesis breaks valid extracts of every layout (cells, columns, rows, encodings, length), "
     "plus the hand-written layout quirks and the handed cases",
     ("tests/ingest/", "tests/cases/")),
    ("Secrets", "a whole demo runs with recognisable secrets; output, instance files, staging and workbooks are "
     "scanned", ("tests/security/", "tests/pipeline/test_observability.py")),
    ("Least privilege and transport", "a missing Odoo right, an administrator as API user, a self-signed HTTPS "
     "certificate", ("tests/odoo/test_access.py", "tests/odoo/test_tls.py")),
    ("Configuration errors", "wrong Odoo port, database and key, an unknown layout mapping, an unknown time zone",
     ("tests/pipeline/test_configuration_errors.py",)),
)


def main() -> int:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    junit = ARTIFACTS / "junit.xml"
    selection = sorted({prefix.split("::")[0] for _, _, prefixes in FAULT_CLASSES for prefix in prefixes})
    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
                                *selection], cwd=ROOT, env={**os.environ, "CI": os.environ.get("CI", "true")})
    seconds = time.monotonic() - started
    results = _results(junit)
    PAGE.write_text(_page(results, seconds, completed.returncode))
    print(f"Wrote {PAGE.relative_to(ROOT)} ({sum(len(items) for items in results.values())} tests, {seconds:.0f} s)")
    return completed.returncode


def _results(junit: Path) -> dict[str, list[str]]:
    """Map each test node id to its outcome: passed, failed or skipped."""
    outcomes: dict[str, list[str]] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        path = case.get("classname", "").replace(".", "/")
        node = f"{path}.py::{case.get('name')}"
        outcome = "failed" if case.find("failure") is not None or case.find("error") is not None else (
            "skipped" if case.find("skipped") is not None else "passed")
        outcomes.setdefault(node, []).append(outcome)
    return outcomes


def _page(results: dict[str, list[str]], seconds: float, returncode: int) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    lines = [
        "# Reliability figures",
        "",
        f"Written by `.venv/bin/python -m benchmarks.reliability` (`make reliability`) on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit {commit}, in {seconds:.0f} s on this machine "
        f"(2 cores). Exit status {returncode}.",
        "",
        "| fault class | how it is injected | tests run | passed | failed | skipped |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, how, prefixes in FAULT_CLASSES:
        outcomes = [outcome for node, items in results.items() if node.startswith(prefixes) for outcome in items]
        lines.append(f"| {name} | {how} | {len(outcomes)} | {outcomes.count('passed')} | "
                     f"{outcomes.count('failed')} | {outcomes.count('skipped')} |")

    lines += ["", "## Seeded Odoo fault campaign", ""]
    campaign = _artifact("fault_campaign.json")
    lines += ["| domain | seed | faults injected | by kind | runs to complete | records in Odoo | duplicates | missing |",
              "|---|---:|---:|---|---:|---:|---:|---:|"]
    for domain, runs in sorted(campaign.items()):
        for run in runs:
            kinds = ", ".join(f"{kind}: {count}" for kind, count in run["by_kind"].items())
            lines.append(f"| {domain} | {run['seed']} | {run['faults_injected']} | {kinds} | {run['runs_to_complete']} | "
                         f"{run['records_in_odoo']} | {run['duplicates']} | {run['missing']} |")
    lines += ["", "Runs to complete counts the runs of the partition until it succeeded; for equipment it is the "
              "sum over three business days, so 3 means each day finished in its first run."]
    corpus = _artifact("bad_input_corpus.json")
    lines += ["", "## Bad-input corpus", "",
              f"{corpus.get('examples', 0)} generated extracts. Each was either rejected whole with an error "
              "naming the file, or had every row read or listed with its file, row and column:", ""]
    lines += [f"- {outcome}: {count}" for outcome, count in corpus.get("by_outcome", {}).items()]

    kills = _artifact("killed_runs.json") or []
    lines += ["", "## Kills at random moments", "",
              "Every create and post answers 0.3 s after Odoo committed it, and the run is killed a seeded random "
              "time after its batch turned to posting. Records in Odoo above ledger rows means the kill came "
              "after Odoo committed and before the run wrote the ledger.", "",
              "| domain | seed | killed after (s) | records in Odoo at the kill | ledger rows at the kill | "
              "records after the rerun | expected |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {kill['domain']} | {kill['seed']} | {kill['killed_after_seconds']} | {kill['records_in_odoo_at_kill']} | "
              f"{kill['ledger_rows_at_kill']} | {kill['records_after_rerun']} | {kill['expected']} |"
              for kill in kills]

    lines += ["", "## Not covered yet", "",
              "- Noticing the dead run: with the default run launcher Dagster cannot see that a run's process "
              "died, so a person force-terminates it in the UI (the tests do the same through the instance). "
              "Until the run is marked ended, the next run waits out the 30-minute posting lease.",
              ""]
    return "\n".join(lines)


def _artifact(name: str) -> dict | list:
    path = ARTIFACTS / name
    return json.loads(path.read_text()) if path.exists() else {}


if __name__ == "__main__":
    sys.exit(main())
