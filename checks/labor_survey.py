"""The first pass over a labor extract: what validating one part needs from the whole file.

A large extract is validated and staged part by part (ingest.labor_parts). Some rules look
across parts: the daily hours of an employee and a source record id repeated anywhere in
the file. The Odoo master data is read once for every job and employee named. The survey
reads every part once, checks it against the schema and gathers those totals. It keeps
each checked part in a spool folder, so the second pass neither parses nor checks a part
again.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np

from checks.labor_rules import DailyLimit, LaborRuleSettings, daily_hour_sums, record_id_hashes
from checks.labor_schema import validate_labor_rows
from ingest.labor_parts import ReadWhole
from ingest.labor_reader import LaborExtract
from ingest.records import ControlRecord, RowException
from odoo_io.master_data import LaborMasterData
from staging.batches import BatchHeader


@dataclass
class CheckedPart:
    """One part of an extract with the result of its schema check."""

    part: LaborExtract
    valid_rows: np.ndarray  # positions in part.frame of the rows that pass the schema
    schema_exceptions: list[RowException]


class CheckedParts:
    """The checked parts of one extract in file order: in memory for a single part, else pickled to a folder."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.count = 0
        self._kept: list[CheckedPart] = []

    def add(self, checked: CheckedPart) -> None:
        if self.folder is None:
            self._kept.append(checked)
        else:
            with (self.folder / f"part-{self.count:06d}.pickle").open("wb") as handle:
                pickle.dump(checked, handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def __iter__(self) -> Iterator[CheckedPart]:
        if self.folder is None:
            yield from self._kept
            return
        for index in range(self.count):
            # The spool folder is this process's own, written just before; nothing else writes there.
            with (self.folder / f"part-{index:06d}.pickle").open("rb") as handle:
                checked = pickle.load(handle)
            yield checked
            del checked

    def close(self) -> None:
        """Delete the spool folder."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class LaborSurvey:
    """The whole extract's counts and totals, Odoo's master data, and the checked parts."""

    source_file: str
    control: ControlRecord | None
    control_counts: str
    rows_in: int
    source_rows_in: int
    file_hours: Decimal
    master: LaborMasterData
    daily_limit: DailyLimit
    repeated_records: np.ndarray  # hashes of source record ids that more than one valid line carries
    checked_parts: CheckedParts = field(repr=False)

    def batch_header(self, batch_id: str, domain: str, partition_key: str, content_hash: str,
                     mapping_name: str) -> BatchHeader:
        """Build the batch header; staging writes the staged and held counts and hours once every part is in."""
        control = self.control
        return BatchHeader(
            batch_id=batch_id,
            domain=domain,
            partition_key=partition_key,
            source_file=self.source_file,
            content_hash=content_hash,
            mapping=mapping_name,
            rows_in=self.rows_in,
            rows_staged=0,
            rows_excepted=0,
            staged_hours=Decimal("0.00"),
            file_hours=self.file_hours,
            counted_rows=self.source_rows_in if self.control_counts == "source_rows" else self.rows_in,
            control_count=control.record_count if control else None,
            control_hours=control.total_hours if control else None,
            control_source=control.source if control else None,
        )


def survey_labor_extract(
    parts: Iterable[LaborExtract],
    business_date: date,
    *,
    settings: LaborRuleSettings,
    fetch_master: Callable[[set[str], set[str]], LaborMasterData],
    spool_dir: Path | None = None,
) -> LaborSurvey:
    """Read every part once for the rules that need the whole extract, and fetch Odoo's master data.

    The daily hours, the repeated record ids, and the jobs and employees count only rows
    that pass the schema, as validate_labor_part counts them. The parts of a LaborParts read in
    parts are spooled under `spool_dir` (default: the system's temporary folder).
    staging.labor_parts.stage_surveyed_parts deletes the spool once the parts are staged.
    """
    try:
        return _survey(parts, business_date, settings, fetch_master, spool_dir)
    except ReadWhole:
        parts.read_whole()  # a slice did not read on its own, so the file is one part after all
        return _survey(parts, business_date, settings, fetch_master, spool_dir)


def _survey(parts, business_date, settings, fetch_master, spool_dir) -> LaborSurvey:
    in_parts = getattr(parts, "in_parts", False)
    checked_parts = CheckedParts(Path(tempfile.mkdtemp(prefix="labor-parts-", dir=spool_dir)) if in_parts else None)
    jobs: set[str] = set()
    employees: set[str] = set()
    day_sums = []
    record_hashes = []
    totals = {"rows_in": 0, "source_rows_in": 0, "file_hours": Decimal("0.00")}
    about_file: dict = {}
    try:
        for part in parts:
            about_file = about_file or {"source_file": part.source_file, "control": part.control,
                                        "control_counts": part.control_counts}
            totals["rows_in"] += part.rows_in
            totals["source_rows_in"] += part.source_rows_in
            totals["file_hours"] += part.file_hours

            valid, schema_exceptions = validate_labor_rows(part.frame, business_date)
            jobs.update(valid["job"].unique())
            employees.update(valid["employee_id"].unique())
            day_sums.append(daily_hour_sums(valid))
            record_hashes.append(record_id_hashes(valid["source_record_id"]))
            checked_parts.add(CheckedPart(part, valid.index.to_numpy(), schema_exceptions))
            del part, valid  # only one part at a time is held
        if not about_file:
            raise ValueError("an extract has at least one part")

        # The per-part sums go before Odoo's master data comes in, so the two are never held together.
        daily_limit = DailyLimit.from_sums(day_sums, settings)
        distinct, counts = np.unique(np.concatenate(record_hashes), return_counts=True)
        del day_sums, record_hashes
        master = fetch_master(jobs, employees)
    except BaseException:
        checked_parts.close()
        raise

    return LaborSurvey(
        **about_file,
        **totals,
        master=master,
        daily_limit=daily_limit,
        repeated_records=distinct[counts > 1],
        checked_parts=checked_parts,
    )
