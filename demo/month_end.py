"""Demo sources for equipment and month-end: the equipment database, fleet snapshots, project controls."""

from __future__ import annotations

from pathlib import Path

from demo.drops import DEMO_DATES
from demo.equipment import write_fleet_snapshots
from demo.settings import DEMO_DIR, DemoSettings
from sqlalchemy import create_engine, inspect

from ingest.equipment_db import create_demo_equipment_db
from ingest.job_forecasts import create_demo_job_forecasts
from ingest.project_controls import create_demo_project_controls_db

ACCRUAL_PERIOD = "2026-11-01"  # November 2026, closed in the demo
EQUIPMENT_REMOTE_DIR = "/drop/equipment"


def prepare_sources(settings: DemoSettings) -> None:
    """Create the demo's source databases and fleet snapshots once; later runs find them as they were."""
    equipment_db = DEMO_DIR / "equipment.sqlite"
    if not equipment_db.exists():
        create_demo_equipment_db(f"sqlite:///{equipment_db}")
    project_controls = DEMO_DIR / "project_controls.sqlite"
    if not project_controls.exists():
        create_demo_project_controls_db(f"sqlite:///{project_controls}")
    # Contracts and forecasts came later than the accrual tables; a demo folder from before gets them too.
    engine = create_engine(f"sqlite:///{project_controls}")
    has_forecasts = inspect(engine).has_table("cost_forecasts")
    engine.dispose()
    if not has_forecasts:
        create_demo_job_forecasts(f"sqlite:///{project_controls}")
    snapshot_dir = settings.sftp_root / EQUIPMENT_REMOTE_DIR.lstrip("/")
    if not any(Path(snapshot_dir).glob("fleet_*")):
        write_fleet_snapshots(snapshot_dir, DEMO_DATES, formats=("xml",))
