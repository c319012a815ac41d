"""Demo data of the accruals domain: the project-controls database with two month-ends.

The data itself is in ingest.project_controls (DEMO_ACCRUALS and DEMO_BATCHES): periods
2026-10 and 2026-11 for jobs J-2301, J-2302 and J-2417. In 2026-11, AC-2611-004 has no
approval recorded, and J-2417 31 23 00 (equipment rental) rises from 6240.00 to 14880.00.
"""

from __future__ import annotations

from pathlib import Path

from ingest.project_controls import (
    DEMO_ACCRUALS,
    DEMO_BATCHES,
    create_demo_project_controls_db,
    demo_control_totals,
)

__all__ = [
    "DEMO_ACCRUALS",
    "DEMO_BATCHES",
    "PROJECT_CONTROLS_FILE",
    "create_demo_project_controls_db",
    "demo_control_totals",
    "demo_project_controls_path",
    "demo_project_controls_url",
    "write_demo_project_controls",
]

PROJECT_CONTROLS_FILE = "project_controls.sqlite"


def demo_project_controls_path(directory: Path | str) -> Path:
    """Return the path of the demo project-controls SQLite file under `directory`."""
    return Path(directory) / PROJECT_CONTROLS_FILE


def demo_project_controls_url(directory: Path | str) -> str:
    """Return the SQLAlchemy URL of the demo project-controls database under `directory`."""
    return f"sqlite:///{demo_project_controls_path(directory)}"


def write_demo_project_controls(directory: Path | str) -> str:
    """Create `directory` if needed, fill the demo project-controls database in it and return its URL."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    url = demo_project_controls_url(directory)
    create_demo_project_controls_db(url)
    return url
