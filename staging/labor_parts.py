"""The second pass over a labor extract: each surveyed part validated and staged in file order.

The labor_batch asset and the labor benchmark both stage through stage_surveyed_parts, so
the benchmark measures what the asset runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine

from checks.labor_rules import LaborRuleSettings, RepeatedRecords, early_overtime, overtime_day_sums
from checks.labor_survey import LaborSurvey
from checks.labor_validation import staged_line_frame, validate_labor_part
from checks.review import exclude_reviewed_rows
from staging.batches import BatchHeader, stage_labor_parts


def stage_surveyed_parts(
    engine: Engine,
    survey: LaborSurvey,
    header: BatchHeader,
    *,
    source_system: str,
    settings: LaborRuleSettings,
    posted_by_other_batches: Callable[[list[str]], dict[str, str]],
    exclusions: dict[tuple[str, int], dict] | None = None,
    earlier_exclusions: dict[str, dict] | None = None,
    holder_ended: Callable[[str], bool] | None = None,
) -> list[dict]:
    """Validate and stage every surveyed part in one transaction, and return the early-overtime days.

    `exclusions` and `earlier_exclusions` are the reviewer's decisions on this batch's rows
    and on earlier batches' records of the date (see checks.review.exclude_reviewed_rows).
    The header's staged and held counts are written from the parts (staging.batches.stage_labor_parts).
    The survey's spool folder is deleted at the end, whether staging succeeded or not.
    """
    try:
        return _stage_parts(engine, survey, header, source_system, settings, posted_by_other_batches, exclusions,
                            earlier_exclusions, holder_ended)
    finally:
        survey.checked_parts.close()


def _stage_parts(engine, survey, header, source_system, settings, posted_by_other_batches, exclusions,
                 earlier_exclusions, holder_ended) -> list[dict]:
    business_date = date.fromisoformat(header.partition_key)
    repeats = RepeatedRecords(survey.repeated_records)
    overtime_sums = []
    with stage_labor_parts(engine, header, holder_ended=holder_ended) as writer:
        next_line_no = 0
        for checked in survey.checked_parts:
            validated = validate_labor_part(
                checked, business_date, source_system=source_system, settings=settings, survey=survey,
                repeats=repeats, posted_by_other_batches=posted_by_other_batches, first_line_no=next_line_no,
            )
            next_line_no += len(checked.part.frame)

            # Decisions a reviewer made on this content: excluded rows leave the batch.
            validated = exclude_reviewed_rows(validated, exclusions or {}, earlier_exclusions)
            writer.add(staged_line_frame(validated.accepted, survey.master), validated.flagged,
                       validated.line_details(), validated.rows_excepted)
            overtime_sums.append(overtime_day_sums(validated.accepted))
            del checked, validated  # only one part at a time is held
    return early_overtime(overtime_sums, settings)
