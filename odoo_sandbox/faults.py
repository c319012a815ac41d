"""Fault injection: make the next N calls to a model method fail as a transport error.

A rule fires either before the call runs (nothing is written) or after its transaction committed
(the write happened but the client sees an error), which is how a client learns to check whether
a timed-out post went through. Rules are off until added, and each fires ``count`` times.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field, replace

# "serialization" returns the error Odoo returns when PostgreSQL aborts the transaction for a
# concurrent update. That happens before the call's work, so it only fires "before".
ACTIONS = ("status", "drop", "delay", "serialization")
WHEN = ("before", "after")
STATUS_TITLES = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
MAX_DELAY_SECONDS = 120.0


@dataclass
class FaultRule:
    """One injected fault; ``model``/``method`` "*" match any object call."""

    model: str = "*"
    method: str = "*"
    count: int = 1
    action: str = "status"
    status: int = 503
    when: str = "before"
    delay_seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"Invalid fault action {self.action!r}; expected one of {', '.join(ACTIONS)}")
        if self.when not in WHEN:
            raise ValueError(f"Invalid fault timing {self.when!r}; expected 'before' or 'after'")
        if self.action == "serialization" and self.when != "before":
            raise ValueError("A serialization fault aborts the transaction, so it fires 'before' only")
        if self.action == "status" and self.status not in STATUS_TITLES:
            raise ValueError(f"Invalid fault status {self.status!r}; expected one of {sorted(STATUS_TITLES)}")
        if not 0 <= float(self.delay_seconds) <= MAX_DELAY_SECONDS:
            raise ValueError(f"Invalid delay {self.delay_seconds!r}; expected 0 to {MAX_DELAY_SECONDS} seconds")
        if int(self.count) < 1:
            raise ValueError(f"Invalid count {self.count!r}; expected at least 1")

    def matches(self, model: str, method: str) -> bool:
        return self.model in ("*", model) and self.method in ("*", method)


@dataclass
class RandomFaults:
    """Faults drawn at random for matching calls: each call fails with probability ``rate``.

    The generator is seeded, so a run with the same seed and the same sequence of calls meets
    the same faults. ``kinds`` are the faults to draw from (their ``count`` is ignored), and
    ``fired`` counts what was injected, by kind.
    """

    seed: int
    rate: float
    kinds: tuple[FaultRule, ...]
    model: str = "*"
    method: str = "*"
    fired: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError(f"Invalid fault rate {self.rate!r}; expected 0 to 1")
        self._random = random.Random(self.seed)

    def draw(self, model: str, method: str) -> FaultRule | None:
        if not (self.model in ("*", model) and self.method in ("*", method)):
            return None
        if self._random.random() >= self.rate:
            return None
        kind = self._random.choice(self.kinds)
        self.fired[describe(kind)] += 1
        return replace(kind, count=1)


def describe(rule: FaultRule) -> str:
    """Name a fault kind for counts: "503 before", "drop after", "delay 1.5 s after"."""
    what = {"status": str(rule.status), "drop": "drop", "delay": f"delay {rule.delay_seconds:g} s",
            "serialization": "serialization failure"}[rule.action]
    return f"{what} {rule.when}"


class FaultInjector:
    """Thread-safe list of pending fault rules, and optional random faults."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._random: list[RandomFaults] = []
        self._lock = threading.Lock()

    def add_random(self, faults: RandomFaults) -> RandomFaults:
        with self._lock:
            self._random.append(faults)
        return faults

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._random.clear()

    def pending(self) -> list[dict]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]

    def take(self, model: str, method: str) -> FaultRule | None:
        """Return the first rule matching the call and use up one of its occurrences."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(model, method):
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
                    return rule
            for faults in self._random:
                rule = faults.draw(model, method)
                if rule is not None:
                    return rule
        return None


def error_page(status: int) -> bytes:
    """An HTML error page like the ones reverse proxies return."""
    title = f"{status} {STATUS_TITLES[status]}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>sandbox proxy</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()
