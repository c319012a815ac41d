"""The company a code location serves, as the prefix of its asset keys.

Several companies or subsidiaries run as separate code locations in one workspace. Each is a
process with its own environment: its Odoo database, SFTP drop, staging database and
credentials. Dagster needs asset keys to be unique across a workspace, so COMPANY_CODE (for
example `north_fork`) prefixes every asset key of the location: `north_fork/labor_batch`.
Without it the keys have no prefix, as in a one-company deployment.
"""

from __future__ import annotations

import os
import re

import dagster as dg

COMPANY_CODE = os.environ.get("COMPANY_CODE", "").strip()
if COMPANY_CODE and not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", COMPANY_CODE):
    raise ValueError(
        f"COMPANY_CODE {COMPANY_CODE!r} is invalid; use 1 to 40 lower-case letters, digits and underscores, "
        "starting with a letter, e.g. north_fork"
    )

# The key_prefix of every asset of this code location; None for a one-company deployment.
COMPANY_KEY_PREFIX: list[str] | None = [COMPANY_CODE] if COMPANY_CODE else None


def company_asset_key(name: str) -> dg.AssetKey:
    """Return the key of this code location's asset `name`."""
    return dg.AssetKey([*(COMPANY_KEY_PREFIX or []), name])
