"""Whole runs of every posting domain killed while they post, then run again.

A child process runs the job (labor, equipment or accruals) against a Dagster instance on disk
and dies without cleanup: right after a chunk of lines or an entry reached Odoo and the ledger,
or while it waits for the response to a create or a post that Odoo has already committed. The
parent then does what a person does in the UI with a run whose process is gone (force
termination marks it canceled) and runs the partition again on the same instance. That run
stages the partition again, takes over the posting lease, and Odoo ends with every record once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import import_module
from pathlib import Path

import dagster as dg
import pytest

from demo.extracts import sample_labor_rows
from odoo_sandbox.faults import FaultRule
from resources.odoo import OdooResource
from staging.batches import current_batch, ledger_for_batch, list_batches
from tests.pipeline.accrual_harness import NOVEMBER, AccrualHarness
from tests.pipeline.equipment_harness import add_usage_hour, database_resources
from tests.pipeline.harness import LaborHarness

ROOT = Path(__file__).resolve().parents[2]
KILLED = 137  # the child's exit status at a kill point, as a shell reports a SIGKILL
ARTIFACT = Path(os.environ.get("TEST_ARTIFACTS_DIR", ROOT / "test-artifacts")) / "reliability" / "killed_runs.json"
RANDOM_KILL_SEEDS = [int(os.environ.get("FAULT_SEED", "20261204")) + offset for offset in range(3)]
RANDOM_KILLS: list[dict] = []
DAY = date(2026, 11, 16)
LABOR_CHUNK_SIZE = 3
# Long enough for the child to wait on a late response instead of timing out and looking it up.
CHILD_TIMEOUT_SECONDS = 60.0
JOURNAL_ENTRIES = {"accruals": 2, "equipment": 1}  # the accrual and its reversal; one entry per day


@dataclass
class KilledJob:
    """One domain's job, its resources, and how to read what it put in Odoo."""

    domain: str
    assets: str
    job: str
    partition_key: str
    resources: dict
    ledger_module: str  # the module whose record_posted call ends a chunk of lines or an entry
    odoo_records: Callable[[], list[dict]]
    dagster_home: Path

    def __post_init__(self) -> None:
        self.dagster_home.mkdir(parents=True, exist_ok=True)

    def run(self) -> dg.ExecuteInProcessResult:
        """Run the job in this process, on the same instance as the child."""
        job = load(self.job)
        defs = dg.Definitions(assets=load(self.assets), jobs=[job], resources=self.resources)
        with dg.DagsterInstance.from_config(str(self.dagster_home)) as instance:
            return defs.resolve_job_def(job.name).execute_in_process(
                partition_key=self.partition_key, instance=instance, raise_on_error=False
            )

    def start_child(self, exit_after_chunks: int | None = None) -> subprocess.Popen:
        settings = {
            "dagster_home": str(self.dagster_home), "assets": self.assets, "job": self.job,
            "partition_key": self.partition_key, "ledger_module": self.ledger_module,
            "exit_after_chunks": exit_after_chunks,
            "resources": {key: {"class": f"{type(value).__module__}:{type(value).__name__}", "config": value.model_dump()}
                          for key, value in self.resources.items()},
        }
        return subprocess.Popen([sys.executable, "-m", "tests.reliability.run_job_in_child", json.dumps(settings)],
                                cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})

    def batch(self) -> dict:
        return current_batch(self.resources["staging"].engine, self.domain, self.partition_key)

    def expected_records(self) -> int:
        return self.batch()["rows_staged"] if self.domain == "labor" else JOURNAL_ENTRIES[self.domain]


def load(reference: str):
    module, _, attribute = reference.partition(":")
    return getattr(import_module(module), attribute)


def end_dead_runs(job: KilledJob) -> int:
    """Mark the killed run canceled, as the UI's force termination does for a run whose process is gone.

    NOTE: the default run launcher cannot tell Dagster's run monitoring that a run's process died.
    So on one machine a person ends the run, while run launchers with worker health checks do it alone.
    """
    with dg.DagsterInstance.from_config(str(job.dagster_home)) as instance:
        started = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        for run in started:
            instance.report_run_canceled(run, "force-terminated: the run's process was killed")
    return len(started)


def assert_killed(child: subprocess.Popen) -> None:
    """Check that the child ended through the kill point (os._exit(137)), not by finishing or failing."""
    code = child.wait(timeout=180)
    assert code == KILLED, f"the child exited with {code}, not {KILLED}: it did not reach the kill point"


def assert_rerun_succeeds(job: KilledJob) -> None:
    result = job.run()
    failed = [event.step_key for event in result.all_events if event.is_step_failure]
    assert result.success, f"the rerun of {job.domain} {job.partition_key} failed in {failed}"


def wait_for(condition: Callable[[], bool], description: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {description}")
        time.sleep(0.2)


def assert_each_record_once(job: KilledJob) -> None:
    records = job.odoo_records()
    refs = Counter(record["ref"] for record in records)
    assert [ref for ref, count in refs.items() if count > 1] == [], "a record was posted twice"
    assert len(refs) == job.expected_records(), "a record is missing"
    assert {record.get("state", "posted") for record in records} == {"posted"}
    assert job.batch()["status"] == "reconciled"


def journal_moves(odoo: OdooResource, ref_prefix: str) -> Callable[[], list[dict]]:
    def moves() -> list[dict]:
        return odoo.get_client().search_read("account.move", [("ref", "=like", f"{ref_prefix}%")], ["ref", "state"],
                                             order="id")
    return moves


@pytest.fixture
def labor_job(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path) -> KilledJob:
    labor = LaborHarness(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path / "landing",
                         chunk_size=LABOR_CHUNK_SIZE)
    labor.drop(DAY, sample_labor_rows(DAY, crew_size=8))
    return KilledJob("labor", "assets.labor:labor_assets", "pipelines.labor:labor_nightly_job", DAY.isoformat(),
                     labor.resources(timeout_seconds=CHILD_TIMEOUT_SECONDS), "odoo_io.timesheets", labor.odoo_lines,
                     tmp_path / "dagster_home")


@pytest.fixture
def accruals_job(fresh_odoo_sandbox, sqlite_staging, tmp_path) -> KilledJob:
    harness = AccrualHarness(fresh_odoo_sandbox, sqlite_staging, f"sqlite:///{tmp_path / 'pc.sqlite'}",
                             approval_policy="auto")
    resources = harness.resources()
    resources["odoo"] = resources["odoo"].model_copy(update={"timeout_seconds": CHILD_TIMEOUT_SECONDS})
    return KilledJob("accruals", "assets.accruals:accrual_assets", "pipelines.accruals:accruals_month_end_job",
                     NOVEMBER, resources, "accounting.posting", journal_moves(resources["odoo"], "ACR-"),
                     tmp_path / "dagster_home")


@pytest.fixture
def equipment_job(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path) -> KilledJob:
    resources = database_resources(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path,
                                   timeout_seconds=CHILD_TIMEOUT_SECONDS)
    return KilledJob("equipment", "assets.equipment:equipment_assets", "pipelines.equipment:equipment_nightly_job",
                     DAY.isoformat(), resources, "accounting.posting", journal_moves(resources["odoo"], "EQP-"),
                     tmp_path / "dagster_home")


@pytest.mark.parametrize("domain, chunks_before_kill",
                         [("labor", 1), ("labor", 2), ("labor", 3), ("accruals", 1), ("accruals", 2),
                          ("equipment", 1)],
                         ids=lambda value: f"after-chunk-{value}" if isinstance(value, int) else value)
def test_kill_after_chunk_then_rerun(request, domain, chunks_before_kill):
    job: KilledJob = request.getfixturevalue(f"{domain}_job")

    child = job.start_child(exit_after_chunks=chunks_before_kill)

    assert_killed(child)
    assert job.batch()["status"] == "posting"
    assert len(job.odoo_records()) == chunks_before_kill * (LABOR_CHUNK_SIZE if domain == "labor" else 1)
    assert end_dead_runs(job) == 1
    assert_rerun_succeeds(job)
    assert_each_record_once(job)


@pytest.mark.parametrize("domain, model, method, state_in_odoo", [
    pytest.param("labor", "account.analytic.line", "create", None, id="labor-create"),
    pytest.param("accruals", "account.move", "create", "draft", id="accruals-create"),
    pytest.param("accruals", "account.move", "action_post", "posted", id="accruals-post"),
    pytest.param("equipment", "account.move", "create", "draft", id="equipment-create"),
    pytest.param("equipment", "account.move", "action_post", "posted", id="equipment-post"),
])
def test_kill_awaiting_committed_call(request, fresh_odoo_sandbox, domain, model, method, state_in_odoo):
    job: KilledJob = request.getfixturevalue(f"{domain}_job")
    # Odoo commits the first create (or post) at once and responds 30 s later, while the child waits.
    fresh_odoo_sandbox.server.injector.add(FaultRule(model=model, method=method, count=1, action="delay",
                                                     delay_seconds=30.0, when="after"))
    child = job.start_child()

    wait_for(lambda: {record.get("state") for record in job.odoo_records()} == {state_in_odoo},
             f"the first {method} to be committed in Odoo")
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    assert job.batch()["status"] == "posting"
    assert end_dead_runs(job) == 1
    assert_rerun_succeeds(job)
    assert_each_record_once(job)


@pytest.fixture(scope="module", autouse=True)
def random_kill_figures():
    yield
    if RANDOM_KILLS:
        ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
        ARTIFACT.write_text(json.dumps(RANDOM_KILLS, indent=2))


@pytest.mark.parametrize("seed", RANDOM_KILL_SEEDS)
@pytest.mark.parametrize("domain, model", [("labor", "account.analytic.line"), ("accruals", "account.move"),
                                           ("equipment", "account.move")])
def test_kill_at_random_moment_of_posting(request, fresh_odoo_sandbox, domain, model, seed):
    job: KilledJob = request.getfixturevalue(f"{domain}_job")
    # Every create and post commits at once and responds 0.3 s later, so posting takes a while and
    # a kill often lands between Odoo's commit and the ledger row.
    for method in ("create", "action_post"):
        fresh_odoo_sandbox.server.injector.add(FaultRule(model=model, method=method, count=100, action="delay",
                                                         delay_seconds=0.3, when="after"))
    after_seconds = random.Random(seed).uniform(0.0, 1.5)
    child = job.start_child()

    wait_for(lambda: job.batch() is not None and job.batch()["status"] == "posting", "the run to start posting")
    time.sleep(after_seconds)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    in_odoo = len(job.odoo_records())
    ledger = len(ledger_for_batch(job.resources["staging"].engine, job.batch()["batch_id"]))
    fresh_odoo_sandbox.server.injector.clear()
    end_dead_runs(job)
    assert_rerun_succeeds(job)
    assert_each_record_once(job)
    RANDOM_KILLS.append({"domain": domain, "seed": seed, "killed_after_seconds": round(after_seconds, 2),
                         "records_in_odoo_at_kill": in_odoo, "ledger_rows_at_kill": ledger,
                         "records_after_rerun": len(job.odoo_records()), "expected": job.expected_records()})


def test_equipment_kill_after_reversing_corrected_day(equipment_job):
    assert_rerun_succeeds(equipment_job)
    first_batch = equipment_job.batch()["batch_id"]
    add_usage_hour(equipment_job.resources["equipment_source"].url, DAY)

    # The corrected run dies right after the reversal of the posted entry reached Odoo and the ledger.
    child = equipment_job.start_child(exit_after_chunks=1)

    assert_killed(child)
    assert sorted(move["ref"].endswith("-CORR") for move in equipment_job.odoo_records()) == [False, True]
    assert end_dead_runs(equipment_job) == 1
    assert_rerun_succeeds(equipment_job)
    refs = Counter(move["ref"] for move in equipment_job.odoo_records())
    assert len(refs) == 3  # the first entry, its reversal, the corrected entry
    assert set(refs.values()) == {1}, "an entry was posted twice"
    assert sum(ref.endswith("-CORR") for ref in refs) == 1
    statuses = {batch["batch_id"]: batch["status"] for batch in list_batches(equipment_job.resources["staging"].engine)}
    assert statuses[first_batch] == "reversed"
    assert equipment_job.batch()["status"] == "reconciled"
