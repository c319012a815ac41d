"""Applying finance decisions when a partition runs again: exclusions, accepted warnings, rejections."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg
import pandas as pd
from sqlalchemy import Engine

from checks.labor_validation import ValidatedLabor
from ingest.records import OwnerRole, Reason, RowException
from staging.decisions import exclusions_for


def exclude_reviewed_rows(
    validated: ValidatedLabor, exclusions: dict[tuple[str, int], dict], by_record: dict[str, dict] | None = None
) -> ValidatedLabor:
    """Move the lines a reviewer excluded out of the accepted lines, listed as excluded.

    ``exclusions`` are this batch's, by file and row; ``by_record`` are earlier batches' of the
    same date, by source record id (see ``earlier_exclusions_by_record``).
    """
    by_record = by_record or {}
    if not exclusions and not by_record:
        return validated
    excluded_lines = set()
    for row in validated.frame.itertuples(index=False):
        decision = exclusions.get((row.source_file, int(row.source_row))) or by_record.get(row.source_record_id)
        if decision is None:
            continue
        line_no = int(row.line_no)
        excluded_lines.add(line_no)
        # A held row the reviewer excluded is listed once, as excluded, naming why it was held.
        earlier = sorted({item.reason.value for number, item in validated.flagged if number == line_no})
        validated.flagged = [(number, item) for number, item in validated.flagged if number != line_no]
        held_for = f" (held for {', '.join(earlier)})" if earlier else ""
        validated.flagged.append((line_no, RowException(
            row.source_file, int(row.source_row), "(row)", row.source_record_id, Reason.EXCLUDED_BY_REVIEWER,
            OwnerRole.FINANCE, f"{_excluded_by(decision)}{held_for}",
        )))
    validated.rejected_lines |= excluded_lines
    validated.accepted = validated.accepted[~validated.accepted["line_no"].isin(excluded_lines)]
    return validated


def _excluded_by(decision: dict) -> str:
    return f"excluded by {decision['decided_by']}: {decision['reason']} (decision {decision['id']} on batch {decision['batch_id']})"


def exclude_reviewed_source_rows(
    engine: Engine, accepted: pd.DataFrame, batch_id_for: Callable[[pd.DataFrame, list[RowException]], str],
    by_record: dict[str, dict] | None = None,
) -> tuple[pd.DataFrame, list[tuple[int | None, RowException]]]:
    """Remove the source rows a reviewer excluded from a journal batch, and return the rest and the exclusions.

    A journal batch is keyed by what would post, so excluding rows makes a new batch id. A
    reviewer may then exclude more rows of that new batch. The loop follows that chain from
    the batch the unchanged source makes; it ends because each pass removes at least one row.
    ``by_record`` are exclusions made on the partition's other batches, by source record id.
    """
    by_record = by_record or {}
    excluded: list[tuple[int | None, RowException]] = []
    while True:
        decisions = exclusions_for(engine, batch_id_for(accepted, [item for _, item in excluded]))
        found = [decisions.get((row.source_file, int(row.source_row))) or by_record.get(row.source_record_id)
                 for row in accepted.itertuples(index=False)]
        if not any(found):
            return accepted, excluded
        listed = {(item.source_file, item.source_row) for _, item in excluded}
        for row, decision in zip(accepted.itertuples(index=False), found):
            key = (row.source_file, int(row.source_row))
            if decision is None or key in listed:
                # An equipment unit-day may have several charge lines; it is listed once.
                continue
            listed.add(key)
            line_no = int(row.line_no) if hasattr(row, "line_no") else None
            excluded.append((line_no, RowException(
                row.source_file, int(row.source_row), "(row)", row.source_record_id, Reason.EXCLUDED_BY_REVIEWER,
                OwnerRole.FINANCE, _excluded_by(decision),
            )))
        accepted = accepted[[decision is None for decision in found]]


def source_row_records(parsed: pd.DataFrame, accepted: pd.DataFrame) -> list[dict]:
    """Convert a journal batch's parsed source rows to journal_source_rows rows, marking those not accepted as held."""
    accepted_keys = {(row.source_file, int(row.source_row)) for row in accepted.itertuples(index=False)}
    return [
        {"source_file": row.source_file, "source_row": int(row.source_row), "source_record_id": row.source_record_id,
         "job": row.job, "cost_code": row.cost_code, "amount": row.amount,
         "held": (row.source_file, int(row.source_row)) not in accepted_keys}
        for row in parsed.itertuples(index=False)
    ]


def apply_acceptances(results: list[dg.AssetCheckResult], acceptances: dict[str, dict]) -> list[dg.AssetCheckResult]:
    """Mark failed WARN checks that a reviewer accepted as passed, naming who accepted them and why."""
    applied = []
    for check in results:
        decision = acceptances.get(check.check_name)
        if check.passed or decision is None or check.severity != dg.AssetCheckSeverity.WARN:
            applied.append(check)
            continue
        applied.append(dg.AssetCheckResult(
            check_name=check.check_name, asset_key=check.asset_key, passed=True, severity=check.severity,
            description=f"Accepted by {decision['decided_by']}: {decision['reason']}",
            metadata={**(check.metadata or {}), "accepted_by": decision["decided_by"], "accepted_reason": decision["reason"]},
        ))
    return applied


def with_review_details(results: list[dg.AssetCheckResult], batch_id: str, workbook=None,
                        workbook_check: str = "no_rows_held_for_review") -> list[dg.AssetCheckResult]:
    """Name the batch on every failed check, and attach the review workbook's path to one of them.

    A reviewer who opens any red or yellow check in the UI finds there the batch id a decision needs.
    """
    detailed = []
    for check in results:
        extra: dict = {}
        if not check.passed:
            extra["batch_id"] = batch_id
        if check.check_name == workbook_check and workbook is not None:
            extra["workbook"] = dg.MetadataValue.path(str(workbook))
        if extra:
            check = dg.AssetCheckResult(
                check_name=check.check_name, asset_key=check.asset_key, passed=check.passed, severity=check.severity,
                description=check.description, metadata={**(check.metadata or {}), **extra},
            )
        detailed.append(check)
    return detailed
