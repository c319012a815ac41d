"""Seeded random Odoo faults during whole runs of every posting domain, then reruns until done.

The sandbox fails a share of calls at random, from a seeded generator. Before a call it returns
a proxy error (429, 502, 503), a serialization failure or a slow response. On creates and posts
it fails after the server committed: a dropped connection, a 503, or a response slower than the
client's timeout. A run either completes with retries or fails with its batch left postable, and
the next run of the same partition finishes the job. In the end Odoo contains every record
exactly once. The counts go to
test-artifacts/reliability/fault_campaign.json.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from assets.equipment import equipment_assets
from demo.extracts import sample_labor_rows
from odoo_sandbox.faults import FaultRule, RandomFaults
from pipelines.equipment import equipment_nightly_job
from tests.pipeline.accrual_harness import NOVEMBER, AccrualHarness
from tests.pipeline.equipment_harness import database_resources
from tests.pipeline.harness import LaborHarness

SEEDS = [int(os.environ.get("FAULT_SEED", "20261204")) + offset for offset in range(3)]
MAX_RUNS = 12
ARTIFACT = Path(os.environ.get("TEST_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "test-artifacts")) \
    / "reliability" / "fault_campaign.json"
FIGURES: dict[str, list[dict]] = {}

# Before the call: proxy errors, a serialization failure, and a response slower than usual but
# inside the client's 1 s timeout.
BEFORE = (FaultRule(status=429), FaultRule(status=502), FaultRule(status=503), FaultRule(action="serialization"),
          FaultRule(action="delay", delay_seconds=0.3))
AFTER_COMMIT = (FaultRule(action="drop", when="after"), FaultRule(status=503, when="after"),
                FaultRule(action="delay", delay_seconds=1.5, when="after"))


def inject(sandbox, seed: int) -> list[RandomFaults]:
    """Fail 10 % of all calls before they run, and 30 % of creates and posts after they commit."""
    faults = [
        RandomFaults(seed=seed, rate=0.10, kinds=BEFORE),
        RandomFaults(seed=seed + 1, rate=0.30, kinds=AFTER_COMMIT, method="create"),
        RandomFaults(seed=seed + 2, rate=0.30, kinds=AFTER_COMMIT, method="action_post"),
    ]
    for item in faults:
        sandbox.server.injector.add_random(item)
    return faults


def run_until_done(run) -> int:
    for attempt in range(1, MAX_RUNS + 1):
        if run().success:
            return attempt
    raise AssertionError(f"still failing after {MAX_RUNS} runs")


def record(domain: str, seed: int, faults: list[RandomFaults], runs: int, records: int, duplicates: int,
           missing: int) -> None:
    fired = sum((item.fired for item in faults), Counter())
    FIGURES.setdefault(domain, []).append({
        "seed": seed, "faults_injected": sum(fired.values()), "by_kind": dict(sorted(fired.items())),
        "runs_to_complete": runs, "records_in_odoo": records, "duplicates": duplicates, "missing": missing,
    })


@pytest.fixture(scope="module", autouse=True)
def campaign_figures():
    yield
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(FIGURES, indent=2))


@pytest.mark.parametrize("seed", SEEDS)
def test_labor_posts_once_under_faults(seed, embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path):
    labor = LaborHarness(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path / "landing", chunk_size=5)
    day = date(2026, 11, 16)
    rows = sample_labor_rows(day, crew_size=8)
    labor.drop(day, rows)
    faults = inject(fresh_odoo_sandbox, seed)

    runs = run_until_done(lambda: labor.run(day, timeout_seconds=1.0, backoff_seconds=0.01))

    fresh_odoo_sandbox.server.injector.clear()
    lines = labor.odoo_lines()
    refs = Counter(line["ref"] for line in lines)
    staged = labor.batch(day)["rows_staged"]
    duplicates = sum(count - 1 for count in refs.values())
    record("labor", seed, faults, runs, len(lines), duplicates, staged - len(refs))
    assert sum(item.fired.total() for item in faults) > 0
    assert duplicates == 0
    assert len(refs) == staged
    assert labor.batch(day)["status"] == "reconciled"


@pytest.mark.parametrize("seed", SEEDS)
def test_accruals_post_once_under_faults(seed, fresh_odoo_sandbox, sqlite_staging, tmp_path):
    accruals = AccrualHarness(fresh_odoo_sandbox, sqlite_staging, f"sqlite:///{tmp_path / 'pc.sqlite'}",
                              approval_policy="auto")
    faults = inject(fresh_odoo_sandbox, seed + 10)

    runs = run_until_done(lambda: accruals.run(NOVEMBER))

    fresh_odoo_sandbox.server.injector.clear()
    moves = accruals.moves()
    refs = Counter(move["ref"] for move in moves)
    duplicates = sum(count - 1 for count in refs.values())
    record("accruals", seed, faults, runs, len(moves), duplicates, 2 - len(refs))
    assert duplicates == 0
    assert len(refs) == 2
    assert all(move["state"] == "posted" for move in moves)


@pytest.mark.parametrize("seed", SEEDS)
def test_equipment_posts_once_under_faults(seed, embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path):
    resources = database_resources(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path, timeout_seconds=1.0)
    job = dg.Definitions(assets=equipment_assets, jobs=[equipment_nightly_job],
                         resources=resources).resolve_job_def("equipment_nightly")
    days = [date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)]
    faults = inject(fresh_odoo_sandbox, seed + 20)

    runs = sum(run_until_done(lambda day=day: job.execute_in_process(partition_key=day.isoformat(),
                                                                     raise_on_error=False)) for day in days)

    fresh_odoo_sandbox.server.injector.clear()
    client = fresh_odoo_sandbox.connect("jsonrpc", secret=fresh_odoo_sandbox.api_password)
    moves = client.get_model("account.move").search_read([("ref", "=like", "EQP-%")], ["ref", "state"])
    refs = Counter(move["ref"] for move in moves)
    duplicates = sum(count - 1 for count in refs.values())
    record("equipment", seed, faults, runs, len(moves), duplicates, len(days) - len(refs))
    assert duplicates == 0
    assert len(refs) == len(days)
    assert all(move["state"] == "posted" for move in moves)
