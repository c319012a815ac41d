"""Render the demo's month-end WIP sheet and charts as the PNG files the README shows.

`.venv/bin/python -m demo.report_images` after `make demo`. It needs LibreOffice (soffice) to
compute the workbook's formulas and Debian's chromium to draw the sheet, as the tests do.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import load_workbook

from demo.month_end import ACCRUAL_PERIOD
from demo.settings import DEMO_DIR, ROOT

OUT_DIR = ROOT / "docs" / "images" / "reports"


def main() -> int:
    from playwright.sync_api import sync_playwright

    from tests.browser.dagster_ui import CHROMIUM, CHROMIUM_ARGS

    period = ACCRUAL_PERIOD[:7]
    folder = DEMO_DIR / "reports" / period
    workbook_path = folder / f"month-end-{period}.xlsx"
    if not workbook_path.exists():
        print(f"{workbook_path} not found; run `make demo` first", file=sys.stderr)
        return 2
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="report-images-") as work:
        work_dir = Path(work)
        copy = work_dir / "report.xlsx"
        load_workbook(workbook_path).save(copy)
        # LibreOffice computes the formulas and writes every sheet as a table of one HTML page.
        subprocess.run(["soffice", f"-env:UserInstallation=file://{work_dir / 'profile'}", "--headless",
                        "--convert-to", "html", "--outdir", str(work_dir), str(copy)],
                       check=True, capture_output=True, timeout=180)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1800, "height": 600})
            page.goto((work_dir / "report.html").as_uri())
            page.locator("table").nth(1).screenshot(path=str(OUT_DIR / "wip-schedule.png"))
            browser.close()
    shutil.copy(folder / f"billing-{period}.png", OUT_DIR / "billing.png")
    shutil.copy(folder / f"budget-{period}.png", OUT_DIR / "budget.png")
    print(f"Wrote {', '.join(sorted(path.name for path in OUT_DIR.glob('*.png')))} to {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
