"""Deadlines on the escalation ladder: which limit applies at a level, when it runs out, when
the light turns yellow, and whether the sweep should look at the case again.

Pure: the services pass in the category's limits and the working calendar (built from the
holiday table). The arithmetic of working time lives in :mod:`grid.cases.calendar`.

* The ladder is grid → community → street → district → city (DOMAIN §3); a micro-grid case is
  a grid case.
* A level below the category's first level (reached only by sending a case down) uses the
  first level's limit; a level above the last listed limit cannot be reached by the sweep.
* ``sweep_at`` equals the deadline while the case's clock runs and a higher level has a limit,
  else ``None`` — the partial index on it keeps the sweep's cost proportional to overdue cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from grid.cases.calendar import Light, TimeUnit, WorkCalendar
from grid.tables import Level

LADDER: tuple[Level, ...] = (
    Level.grid,
    Level.community,
    Level.street,
    Level.district,
    Level.city,
)
LEVEL_ZH: dict[str, str] = {
    Level.micro_grid: "微网格",
    Level.grid: "网格",
    Level.community: "社区",
    Level.street: "街道治理中心",
    Level.district: "区县治理中心",
    Level.city: "市治理中心",
}


def rung(level: Level | str) -> int:
    """Position on the ladder (a micro-grid counts as its grid)."""
    level = Level(level)
    return LADDER.index(Level.grid if level is Level.micro_grid else level)


def is_above(a: Level | str, b: Level | str) -> bool:
    return rung(a) > rung(b)


def first_level(limits: Mapping[str, int]) -> Level:
    """The lowest level with a limit: where a case of this category is filed."""
    for level in LADDER:
        if limits.get(str(level)):
            return level
    raise ValueError("a category needs a limit for at least one level")


def limit_at(limits: Mapping[str, int], level: Level | str) -> int:
    """The time limit at ``level``; below the first level, the first level's limit."""
    level = LADDER[rung(level)]
    amount = limits.get(str(level))
    if amount:
        return int(amount)
    first = first_level(limits)
    if rung(level) < rung(first):
        return int(limits[str(first)])
    raise ValueError(f"no time limit at {level}")


def next_level(limits: Mapping[str, int], level: Level | str) -> Level | None:
    """The level a case climbs to from ``level`` on its deadline, if the category has one."""
    for higher in LADDER[rung(level) + 1 :]:
        if limits.get(str(higher)):
            return higher
    return None


def validate_limits(limits: Mapping[str, int]) -> dict[str, int]:
    """Limits keyed by ladder level, positive integers, at least one (for the admin API)."""
    clean: dict[str, int] = {}
    for key, amount in limits.items():
        if key not in {str(level) for level in LADDER}:
            raise ValueError(f"unknown level {key!r}; use one of {', '.join(LADDER)}")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ValueError(f"the limit at {key} must be a positive integer")
        clean[key] = amount
    if not clean:
        raise ValueError("give a limit for at least one level")
    return clean


@dataclass(frozen=True)
class Timing:
    """The clock of one level: started, limit, when yellow, when due, when to sweep."""

    started_at: datetime
    time_unit: TimeUnit
    time_limit: int
    warn_at: datetime
    deadline_at: datetime
    sweep_at: datetime | None


def timing(
    calendar: WorkCalendar,
    limits: Mapping[str, int],
    unit: TimeUnit | str,
    level: Level | str,
    start: datetime,
    *,
    running: bool = True,
) -> Timing:
    """The clock of a case that reaches ``level`` at ``start``."""
    unit = TimeUnit(unit)
    amount = limit_at(limits, level)
    due = calendar.deadline(start, amount, unit)
    warn = calendar.warn_at(start, due, unit)
    climbs = next_level(limits, level) is not None
    return Timing(start, unit, amount, warn, due, due if running and climbs else None)


def light_of(now: datetime, warn_at: datetime, deadline_at: datetime) -> Light:
    """Green before ``warn_at`` (80 % used), yellow until the deadline, red after it."""
    if now > deadline_at:
        return Light.red
    return Light.yellow if now >= warn_at else Light.green


def share_used(
    calendar: WorkCalendar, unit: TimeUnit | str, started: datetime, due: datetime, now: datetime
) -> float:
    """The share of the limit used at ``now`` (1.0 = due), in the unit's kind of time."""
    unit = TimeUnit(unit)
    total = calendar.used(started, due, unit)
    return calendar.used(started, now, unit) / total if total else 1.0
