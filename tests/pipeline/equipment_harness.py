"""Shared set-up for equipment runs: resources over the equipment database, and a corrected usage day."""

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, update

from ingest.equipment_db import batch_control, create_demo_equipment_db, equipment_usage
from resources.equipment_source import EquipmentSource
from resources.odoo import OdooResource


def database_resources(embedded_sftp, sandbox, staging, folder: Path, *, timeout_seconds: float) -> dict:
    """Create the demo equipment database in `folder` and return the equipment job's resources over it."""
    url = f"sqlite:///{folder / 'equipment.sqlite'}"
    create_demo_equipment_db(url)
    return {
        "equipment_source": EquipmentSource(source="database", url=url, landing_dir=str(folder / "landing")),
        "odoo": OdooResource(host="127.0.0.1", port=sandbox.port, protocol="jsonrpc", database=sandbox.database,
                             login=sandbox.api_login, password=sandbox.api_password,
                             timeout_seconds=timeout_seconds, backoff_seconds=0.01),
        "staging": staging,
        "sftp": embedded_sftp.resource(),
    }


def add_usage_hour(url: str, day: date, unit_id: str = "EX-104") -> None:
    """Correct a day in the equipment database: one more hour on `unit_id`, and in the day's control total."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(update(equipment_usage)
                           .where((equipment_usage.c.work_date == day) & (equipment_usage.c.unit_id == unit_id))
                           .values(hours=equipment_usage.c.hours + Decimal("1.00")))
        connection.execute(update(batch_control).where(batch_control.c.business_date == day)
                           .values(total_hours=batch_control.c.total_hours + Decimal("1.00")))
    engine.dispose()
