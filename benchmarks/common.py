"""Parts both benchmarks share: the time budget and the parsers of their command-line options."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

DEFAULT_TIME_BUDGET_SECONDS = 150.0
MAX_TIME_BUDGET_SECONDS = 150.0  # keeps a run within about 3 minutes


class TimeBudgetExceeded(Exception):
    """The run's time budget ran out, so the measurement in progress is discarded."""


class BenchmarkError(Exception):
    """A timed step did not do what the benchmark expects, so its time is meaningless."""


@dataclass(frozen=True)
class Deadline:
    """A time.perf_counter() value after which no timed step may start or continue."""

    at: float

    def check(self, _chunk_no: int | None = None) -> None:
        """Raise TimeBudgetExceeded once the deadline has passed; also usable as post_timesheets' after_chunk."""
        if time.perf_counter() > self.at:
            raise TimeBudgetExceeded()


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid integer {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low} to {high}")
        return value

    return parse


def time_budget(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds {text!r}") from None
    if not 0 < value <= MAX_TIME_BUDGET_SECONDS:
        raise argparse.ArgumentTypeError(f"{value:g} is outside 0 to {MAX_TIME_BUDGET_SECONDS:g} seconds")
    return value


def name_list(allowed: Sequence[str], what: str) -> Callable[[str], list[str]]:
    """Parse a comma-separated subset of ``allowed``, e.g. "xmlrpc,json2"."""

    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in allowed]
        if not names or unknown:
            raise argparse.ArgumentTypeError(
                f"invalid {what} {text!r}, expected a comma-separated subset of {','.join(allowed)}"
            )
        return names

    return parse
