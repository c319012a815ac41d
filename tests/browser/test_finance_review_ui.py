"""A finance reviewer takes a held accrual batch to posted in the real Dagster UI, in headless chromium.

The month-end run stops November's accruals before they post: the policy needs a controller's approval, one row
has no approval flag, and one job and cost code swung more than 50 % against October. The
reviewer reads the failed checks, turns on the replay sensor, approves the batch from the
launchpad, and watches the partition post. Each step leaves a screenshot in
test-artifacts/browser/<test name>/, and docs/finance-review.md shows them.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from staging.batches import current_batch
from staging.journal import audit_entries
from tests.browser.dagster_ui import LOCATION

pytestmark = pytest.mark.browser

PERIOD = "2026-11-01"
REVIEWER = "Dana Controller"
REASON = "November close reviewed; the J-2417 rental swing is the December extension"


class Reviewer:
    """One browser tab, with a numbered screenshot after each step."""

    def __init__(self, browser, base_url: str, artifacts: Path):
        from playwright.sync_api import expect

        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.set_default_timeout(30_000)
        expect.set_options(timeout=30_000)
        self.base_url = base_url
        self.artifacts = artifacts
        self.steps = 0
        # A new Dagster instance greets its first visitor with a newsletter dialog at some point
        # after the page loads. Playwright dismisses it whenever it shows, before the next action.
        skip = self.page.get_by_role("button", name="Skip")
        self.page.add_locator_handler(skip, lambda locator: locator.click())

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def screenshot(self, name: str) -> Path:
        self.steps += 1
        path = self.artifacts / f"{self.steps:02d}-{name}.png"
        self.page.screenshot(path=str(path), animations="disabled")
        return path

    def open_check(self, asset: str, check: str) -> None:
        self.open(f"/assets/{asset}?view=checks")
        self.page.get_by_text(check, exact=True).first.click()

    def show_markdown(self, entry: str) -> str:
        """Open a Markdown metadata entry of the selected check and return the dialog's text."""
        row = self.page.locator("tr", has_text=entry)
        row.get_by_text("[Show Markdown]").click()
        dialog = self.page.get_by_role("dialog")
        dialog.get_by_role("button", name="Close").wait_for()
        return dialog.inner_text()

    def close_dialog(self) -> None:
        self.page.keyboard.press("Escape")
        self.page.get_by_role("dialog").wait_for(state="hidden")

    def fill_launchpad(self, job: str, config_yaml: str) -> None:
        self.open(f"/locations/{LOCATION}/jobs/{job}/playground")
        self.page.locator(".CodeMirror").first.click()
        self.page.keyboard.press("Control+A")
        # insert_text arrives as one paste, so the editor does not re-indent the YAML.
        self.page.keyboard.insert_text(config_yaml)


def wait_for(predicate, *, timeout: float, what: str, interval: float = 2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def test_held_batch_posts_after_ui_approval(live_deployment, chromium, artifacts):
    from playwright.sync_api import expect

    deployment = live_deployment
    engine = deployment.staging.engine
    held = deployment.ui.execute("accruals_month_end", PERIOD)
    batch = current_batch(engine, "accruals", PERIOD)
    assert held.returncode != 0, "the first run should stop before posting"
    assert batch["status"] == "awaiting_approval"
    batch_id = batch["batch_id"]
    deployment.ui.start()
    reviewer = Reviewer(chromium, deployment.ui.url, artifacts)
    page = reviewer.page

    try:
        # Step 1: the held-rows warning names the batch, the held row and the review workbook.
        reviewer.open_check("accrual_batch", "no_rows_held_for_review")
        expect(page.get_by_text("1 row held for review.")).to_be_visible()
        expect(page.get_by_text(batch_id).first).to_be_visible()
        workbook_path = Path(page.get_by_text(re.compile(r"\.xlsx$")).first.inner_text().strip())
        reviewer.screenshot("held-rows-check")
        held_rows = reviewer.show_markdown("first_exceptions")
        assert "approval_missing" in held_rows
        reviewer.screenshot("held-rows-table")
        reviewer.close_dialog()

        summary = load_workbook(workbook_path, read_only=True)["Summary"]
        assert any(batch_id in str(cell) for row in summary.iter_rows(values_only=True) for cell in row)

        # Step 2: the swing warning shows which job and cost code moved, and by how much.
        reviewer.open_check("accrual_batch", "accrual_swing_within_threshold")
        findings = reviewer.show_markdown("findings")
        assert re.search(r"J-2417\s+31 23 00\s+6240.00\s+14880.00\s+138.5", findings), findings
        reviewer.screenshot("swing-findings")
        reviewer.close_dialog()

        # Step 3: the reviewer turns on the sensor that replays a partition after each decision.
        reviewer.open(f"/locations/{LOCATION}/sensors/decision_replay_sensor")
        switch = page.locator("tr").filter(has_text="Running").locator("label").first
        switch.click()
        expect(switch.get_by_role("checkbox")).to_be_checked()
        reviewer.screenshot("replay-sensor-on")

        # Step 4: the approval, entered in the launchpad with typed config.
        reviewer.fill_launchpad("record_decision_job", (
            "ops:\n"
            "  record_decision_op:\n"
            "    config:\n"
            f"      batch_id: {batch_id}\n"
            "      decision: approve\n"
            f"      decided_by: {REVIEWER}\n"
            f"      reason: {REASON}\n"
        ))
        expect(page.get_by_text("No errors")).to_be_visible()
        reviewer.screenshot("approval-in-launchpad")
        page.get_by_role("button", name="Launch Run").click()
        page.wait_for_url(re.compile(r"/runs/"))
        expect(page.get_by_text("Success", exact=True).first).to_be_visible(timeout=120_000)
        expect(page.get_by_text(f"(approve) on {batch_id} recorded by {REVIEWER}")).to_be_visible()
        reviewer.screenshot("decision-run")

        # Step 5: the sensor runs the month again, and the approved batch posts and reconciles.
        wait_for(lambda: current_batch(engine, "accruals", PERIOD)["status"] == "reconciled",
                 timeout=300, what=f"batch {batch_id} to post after the approval")
        reviewer.open("/assets/accrual_entries")
        expect(page.get_by_text("ACCR/2026/11/0001 (2026-11-30)", exact=False)).to_be_visible()
        reviewer.screenshot("partition-posted")
        reviewer.open("/assets/accrual_entries?view=checks")
        page.get_by_text("odoo_matches_staging", exact=True).first.click()
        expect(page.get_by_text("Succeeded").first).to_be_visible()
        reviewer.screenshot("posted-entries-read-back")
    except Exception as error:
        reviewer.screenshot("failure")
        raise AssertionError(f"the review flow failed; screenshots in {artifacts}; dagster dev log:\n"
                             f"{deployment.ui.log_tail()}") from error

    # The books and the audit trail agree with what the reviewer saw.
    client = deployment.sandbox.connect()
    moves = client.get_model("account.move").search_read([("ref", "=like", "ACR-2026-11-%")], ["ref", "state", "date"])
    assert sorted((move["date"], move["state"]) for move in moves) == [("2026-11-30", "posted"), ("2026-12-01", "posted")]
    trail = [(entry["action"], entry["actor"]) for entry in audit_entries(engine, batch_id)]
    assert ("decided_approve", REVIEWER) in trail
    assert [action for action, _ in trail].index("decided_approve") < [action for action, _ in trail].index("posted")
    assert trail[-1][0] == "reconciled"
