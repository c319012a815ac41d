"""The project-controls database that supplies month-end accruals, and the accrual policy."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg
from pydantic import Field


class ProjectControlsSource(dg.ConfigurableResource):
    """Source database of the accruals and their approval policy."""

    url: str = Field(description="SQLAlchemy URL of the project-controls database (SQLite, PostgreSQL, MariaDB)")
    approval_policy: str = Field(
        default="manual",
        description="manual: a named approver approves the staged batch before it posts; auto: it posts once its checks pass",
    )
    swing_threshold_pct: str = Field(
        default="50", description="warn when a job and cost code's accrual moves more than this percentage against last month"
    )

    @property
    def swing_threshold(self) -> Decimal:
        return Decimal(self.swing_threshold_pct)
