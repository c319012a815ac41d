"""Complete-file detection over listings, replaying a drop folder poll by poll."""

from __future__ import annotations

from datetime import datetime

import pytest

from resources.sftp import (
    REASON_CHANGING,
    REASON_COMPLETE,
    REASON_EMPTY,
    REASON_NO_MARKER,
    REASON_ORPHAN_MARKER,
    REASON_TOO_FEW_POLLS,
    ListingEntry,
    RemoteFile,
    assess_completeness,
)


def epoch(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())


# Three polls of /drop/labor 30 s apart while a labor export is written: the file grows from
# 18432 to 26880 bytes between polls 1 and 2, and its .done marker appears at poll 3.
GROWING_LABOR_EXPORT_POLLS = [
    [ListingEntry("labor_20240311.csv", 18432, epoch("2024-03-12T01:59:58Z"))],
    [ListingEntry("labor_20240311.csv", 26880, epoch("2024-03-12T02:00:29Z"))],
    [
        ListingEntry("labor_20240311.csv", 26880, epoch("2024-03-12T02:00:29Z")),
        ListingEntry("labor_20240311.csv.done", 0, epoch("2024-03-12T02:00:45Z")),
    ],
]


def complete_names(polls, **rule) -> list[str]:
    return [item.name for item in assess_completeness(polls, **rule) if item.complete]


def test_growing_export_not_complete_at_poll_1():
    judged = assess_completeness(GROWING_LABOR_EXPORT_POLLS[:1])

    assert [item.complete for item in judged] == [False]
    assert judged[0].reason == REASON_TOO_FEW_POLLS


def test_growing_export_not_complete_at_poll_2():
    judged = assess_completeness(GROWING_LABOR_EXPORT_POLLS[:2])

    assert [item.complete for item in judged] == [False]
    assert judged[0].reason == REASON_CHANGING


def test_growing_export_complete_at_poll_3():
    judged = assess_completeness(GROWING_LABOR_EXPORT_POLLS)

    assert len(judged) == 1
    assert judged[0].name == "labor_20240311.csv"
    assert judged[0].complete
    assert judged[0].reason == REASON_COMPLETE
    assert judged[0].size == 26880


def test_growing_export_complete_without_marker():
    assert complete_names(GROWING_LABOR_EXPORT_POLLS[:2], require_marker=False) == []
    assert complete_names(GROWING_LABOR_EXPORT_POLLS, require_marker=False) == [
        "labor_20240311.csv"
    ]


T0 = epoch("2024-03-12T02:00:00Z")


@pytest.mark.parametrize(
    ("case", "polls", "rule", "expected_reason"),
    [
        (
            "marker present but file still growing",
            [
                [ListingEntry("a.csv", 100, T0)],
                [ListingEntry("a.csv", 200, T0 + 30), ListingEntry("a.csv.done", 0, T0 + 30)],
            ],
            {},
            REASON_CHANGING,
        ),
        (
            "same size but mtime moved",
            [
                [ListingEntry("a.csv", 100, T0), ListingEntry("a.csv.done", 0, T0)],
                [ListingEntry("a.csv", 100, T0 + 30), ListingEntry("a.csv.done", 0, T0)],
            ],
            {},
            REASON_CHANGING,
        ),
        (
            "stable file without marker",
            [[ListingEntry("a.csv", 100, T0)], [ListingEntry("a.csv", 100, T0)]],
            {},
            REASON_NO_MARKER,
        ),
        (
            "zero-byte file with marker",
            [
                [ListingEntry("a.csv", 0, T0), ListingEntry("a.csv.done", 0, T0)],
                [ListingEntry("a.csv", 0, T0), ListingEntry("a.csv.done", 0, T0)],
            ],
            {},
            REASON_EMPTY,
        ),
        (
            "zero-byte file under size-stability",
            [[ListingEntry("a.csv", 0, T0)], [ListingEntry("a.csv", 0, T0)]],
            {"require_marker": False},
            REASON_EMPTY,
        ),
        (
            "file appeared in the latest poll only",
            [[], [ListingEntry("a.csv", 100, T0), ListingEntry("a.csv.done", 0, T0)]],
            {},
            REASON_TOO_FEW_POLLS,
        ),
        (
            "file vanished and came back",
            [
                [ListingEntry("a.csv", 100, T0)],
                [],
                [ListingEntry("a.csv", 100, T0), ListingEntry("a.csv.done", 0, T0)],
            ],
            {"stable_polls": 3},
            REASON_TOO_FEW_POLLS,
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_incomplete_file_cases(case, polls, rule, expected_reason):
    judged = assess_completeness(polls, **rule)

    assert len(judged) == 1, case
    assert judged[0].name == "a.csv"
    assert not judged[0].complete
    assert judged[0].reason == expected_reason


def test_marker_without_data_file_reported():
    polls = [[ListingEntry("a.csv.done", 0, T0)], [ListingEntry("a.csv.done", 0, T0)]]

    judged = assess_completeness(polls)

    assert len(judged) == 1
    assert judged[0].name == "a.csv.done"
    assert not judged[0].complete
    assert judged[0].reason == REASON_ORPHAN_MARKER


def test_pattern_selects_data_files():
    poll = [
        ListingEntry("labor_1.csv", 10, T0),
        ListingEntry("labor_1.csv.done", 0, T0),
        ListingEntry("equipment_1.csv", 10, T0),
        ListingEntry("equipment_1.csv.done", 0, T0),
    ]

    assert complete_names([poll, poll], pattern="labor_*.csv") == ["labor_1.csv"]


def test_marker_alone_with_one_poll():
    poll = [ListingEntry("a.csv", 10, T0), ListingEntry("a.csv.done", 0, T0)]

    assert complete_names([poll], stable_polls=1) == ["a.csv"]


def test_custom_marker_suffix():
    poll = [ListingEntry("a.csv", 10, T0), ListingEntry("a.csv.ok", 0, T0)]

    assert complete_names([poll, poll], marker_suffix=".ok") == ["a.csv"]
    assert complete_names([poll, poll]) == []


def test_size_stability_needs_two_polls():
    with pytest.raises(ValueError, match="stable_polls >= 2"):
        assess_completeness([[]], require_marker=False, stable_polls=1)


def test_no_polls_no_files():
    assert assess_completeness([]) == []


def test_cursor_key_changes_with_size_and_mtime():
    original = RemoteFile("/drop/labor/a.csv", 100, T0)

    assert original.cursor_key == RemoteFile("/drop/labor/a.csv", 100, T0).cursor_key
    assert original.cursor_key != RemoteFile("/drop/labor/a.csv", 101, T0).cursor_key
    assert original.cursor_key != RemoteFile("/drop/labor/a.csv", 100, T0 + 1).cursor_key
    assert original.name == "a.csv"
