"""A posting process killed at every chunk boundary, or mid-chunk after Odoo committed, then run again.

The child process posts a staged labor batch and dies without any cleanup: at the end of each
chunk (lines in Odoo and in the ledger), or while it waits for the response to a create that Odoo
has already committed (lines in Odoo, none in the ledger). Posting the batch again must leave
each line in Odoo exactly once.
"""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from demo.extracts import sample_labor_rows
from odoo_io.timesheets import post_timesheets
from odoo_sandbox.faults import FaultRule
from staging.batches import ledger_for_batch, staged_labor_lines
from tests.pipeline.harness import LaborHarness

DAY = date(2026, 11, 16)
CHUNK_SIZE = 3
ROOT = Path(__file__).resolve().parents[2]


def staged_batch(labor: LaborHarness) -> str:
    """Stage the day with a run whose post fails before anything is created; return the batch id."""
    labor.drop(DAY, sample_labor_rows(DAY, crew_size=8))
    labor.sandbox.server.injector.add(FaultRule(model="account.analytic.line", method="create", count=1, status=500))
    assert not labor.run(DAY, max_attempts=1).success
    assert labor.odoo_lines() == []
    return labor.batch(DAY)["batch_id"]


def start_child(labor: LaborHarness, batch_id: str, exit_after_chunk: int | None) -> subprocess.Popen:
    settings = {"port": labor.sandbox.port, "database": labor.sandbox.database, "login": labor.sandbox.api_login,
                "password": labor.sandbox.api_password, "staging_url": labor.staging.url, "batch_id": batch_id,
                "chunk_size": CHUNK_SIZE, "exit_after_chunk": exit_after_chunk}
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.post_in_child", json.dumps(settings)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def post_again_and_check(labor: LaborHarness, batch_id: str) -> None:
    lines = staged_labor_lines(labor.staging.engine, batch_id)
    post_timesheets(labor.odoo().get_client(), labor.staging.engine, batch_id=batch_id, lines=lines,
                    chunk_size=CHUNK_SIZE)
    refs = [line["ref"] for line in labor.odoo_lines()]
    assert len(refs) == len(set(refs)), "a line was posted twice"
    assert len(refs) == len(lines), "a line is missing"
    assert len(ledger_for_batch(labor.staging.engine, batch_id)) == len(lines)


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_kill_at_chunk_boundary_then_rerun(labor: LaborHarness, chunk):
    batch_id = staged_batch(labor)

    child = start_child(labor, batch_id, exit_after_chunk=chunk)

    assert child.wait(timeout=120) == 137
    assert len(labor.odoo_lines()) == chunk * CHUNK_SIZE
    post_again_and_check(labor, batch_id)


def test_kill_after_odoo_committed_a_chunk_then_rerun(labor: LaborHarness):
    batch_id = staged_batch(labor)
    # The first create is committed at once, but its response comes 30 s later, and the child waits for it.
    labor.sandbox.server.injector.add(FaultRule(model="account.analytic.line", method="create", count=1,
                                                action="delay", delay_seconds=30.0, when="after"))

    child = start_child(labor, batch_id, exit_after_chunk=None)
    deadline = time.monotonic() + 60
    while len(labor.odoo_lines()) < CHUNK_SIZE and time.monotonic() < deadline:
        time.sleep(0.2)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    assert len(labor.odoo_lines()) == CHUNK_SIZE
    assert not ledger_for_batch(labor.staging.engine, batch_id)
    post_again_and_check(labor, batch_id)
