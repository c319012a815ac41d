"""Fixtures for end-to-end labor runs."""

import pytest

from tests.pipeline.harness import LaborHarness


@pytest.fixture
def labor(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path) -> LaborHarness:
    return LaborHarness(embedded_sftp, fresh_odoo_sandbox, sqlite_staging, tmp_path / "landing")
