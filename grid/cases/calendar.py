"""Working time in Asia/Shanghai: deadlines in four units and the traffic light.

Pure: a :class:`WorkCalendar` is built from the holiday table by the services and passed in.

Choices (documented in ``docs/cases.md``):

* **Working hours** are 09:00–12:00 and 13:30–17:30 on working days (7 hours a day), the
  common office hours of Chongqing's street and district centers; :data:`WORK_PERIODS`.
* A **working day** is a weekday that is not a listed holiday, or a listed make-up workday
  (调休上班) even if it falls on a weekend.
* **N working days** are N × 7 working hours of working time: reported Monday 10:00, one
  working day is due Tuesday 10:00; reported Friday 16:00, due Monday 16:00; reported on a
  Saturday, due at the end of Monday. This keeps one arithmetic for both working units.
* **Emergency hours** (应急小时) and **calendar days** are wall-clock time, day and night.
* A case is **overdue** strictly after its deadline (done exactly at the deadline is on time).
* The **light** measures the share of the limit used in the limit's own unit: working time
  for working units (a weekend does not turn a case yellow), wall time otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
WORK_PERIODS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 30), time(17, 30)),
)
YELLOW_AT = 0.8
#: Looking further than this for working time means the calendar has none (a data error).
MAX_SCAN_DAYS = 3 * 366


class TimeUnit(StrEnum):
    emergency_hours = "emergency_hours"  # 应急小时（自然小时）
    working_hours = "working_hours"  # 工作时
    working_days = "working_days"  # 工作日
    calendar_days = "calendar_days"  # 自然日


class Light(StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"


WORKING_UNITS = frozenset({TimeUnit.working_hours, TimeUnit.working_days})


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one (backend.clock.now() is UTC)")
    return moment


@dataclass(frozen=True)
class WorkCalendar:
    """Weekends, listed holidays and make-up workdays, and the daily working periods."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # make-up workdays (调休上班)
    periods: tuple[tuple[time, time], ...] = WORK_PERIODS
    seconds_per_day: float = field(init=False)

    def __post_init__(self) -> None:
        total = sum(
            (
                datetime.combine(date(2000, 1, 3), end) - datetime.combine(date(2000, 1, 3), start)
            ).total_seconds()
            for start, end in self.periods
        )
        object.__setattr__(self, "seconds_per_day", total)

    @classmethod
    def from_days(cls, days: Iterable[tuple[date, bool]]) -> WorkCalendar:
        """From (date, is_workday) rows: False marks a holiday, True a make-up workday."""
        holidays, workdays = set(), set()
        for day, is_workday in days:
            (workdays if is_workday else holidays).add(day)
        return cls(frozenset(holidays), frozenset(workdays))

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def _periods_of(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_workday(day):
            return []
        return [
            (datetime.combine(day, start, TZ), datetime.combine(day, end, TZ))
            for start, end in self.periods
        ]

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant when ``seconds`` of working time have passed since ``start``."""
        if seconds <= 0:
            return _aware(start)
        remaining = seconds
        local = _aware(start).astimezone(TZ)
        day = local.date()
        for _ in range(MAX_SCAN_DAYS):
            for period_start, period_end in self._periods_of(day):
                begin = max(period_start, local)
                if begin >= period_end:
                    continue
                available = (period_end - begin).total_seconds()
                if remaining <= available:
                    return (begin + timedelta(seconds=remaining)).astimezone(UTC)
                remaining -= available
            day += timedelta(days=1)
        raise ValueError(f"no working time within {MAX_SCAN_DAYS} days of {start}")

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working time between two instants (0 if ``end`` is not after ``start``)."""
        start, end = _aware(start).astimezone(TZ), _aware(end).astimezone(TZ)
        if end <= start:
            return 0.0
        total = 0.0
        day = start.date()
        while day <= end.date():
            for period_start, period_end in self._periods_of(day):
                overlap = (min(period_end, end) - max(period_start, start)).total_seconds()
                if overlap > 0:
                    total += overlap
            day += timedelta(days=1)
        return total

    def deadline(self, start: datetime, amount: int, unit: TimeUnit) -> datetime:
        """When a limit of ``amount`` ``unit`` that starts at ``start`` runs out."""
        if amount <= 0:
            raise ValueError("a time limit is positive")
        start = _aware(start)
        if unit is TimeUnit.emergency_hours:
            return start + timedelta(hours=amount)
        if unit is TimeUnit.calendar_days:
            return start + timedelta(days=amount)
        if unit is TimeUnit.working_hours:
            return self.add_working_seconds(start, amount * 3600.0)
        return self.add_working_seconds(start, amount * self.seconds_per_day)

    def used(self, start: datetime, moment: datetime, unit: TimeUnit) -> float:
        """Time used between ``start`` and ``moment``, in seconds of the unit's kind of time."""
        if unit in WORKING_UNITS:
            return self.working_seconds(start, moment)
        return max(0.0, (_aware(moment) - _aware(start)).total_seconds())

    def warn_at(self, start: datetime, deadline: datetime, unit: TimeUnit) -> datetime:
        """The instant :data:`YELLOW_AT` of the limit is used (the light turns yellow)."""
        share = YELLOW_AT * self.used(start, deadline, unit)
        if unit in WORKING_UNITS:
            return self.add_working_seconds(start, share)
        return _aware(start) + timedelta(seconds=share)

    def light(
        self,
        now: datetime,
        started: datetime,
        deadline: datetime,
        unit: TimeUnit = TimeUnit.emergency_hours,
    ) -> Light:
        """Green below 80 % of the limit used, yellow from 80 % to the deadline, red after."""
        if _aware(now) > _aware(deadline):
            return Light.red
        return Light.yellow if now >= self.warn_at(started, deadline, unit) else Light.green


#: The State Council's schedule for 2026 (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04,
#: published by Xinhua): (date, is_workday, name). Seeded by a migration; admins add later
#: years through ``/api/v1/calendar`` when the next notice is published.
CN_2026: tuple[tuple[date, bool, str], ...] = (
    *((date(2026, 1, d), False, "元旦") for d in (1, 2, 3)),
    (date(2026, 1, 4), True, "元旦调休上班"),
    *((date(2026, 2, d), False, "春节") for d in range(15, 24)),
    (date(2026, 2, 14), True, "春节调休上班"),
    (date(2026, 2, 28), True, "春节调休上班"),
    *((date(2026, 4, d), False, "清明节") for d in (4, 5, 6)),
    *((date(2026, 5, d), False, "劳动节") for d in range(1, 6)),
    (date(2026, 5, 9), True, "劳动节调休上班"),
    *((date(2026, 6, d), False, "端午节") for d in (19, 20, 21)),
    *((date(2026, 9, d), False, "中秋节") for d in (25, 26, 27)),
    *((date(2026, 10, d), False, "国庆节") for d in range(1, 8)),
    (date(2026, 9, 20), True, "国庆节调休上班"),
    (date(2026, 10, 10), True, "国庆节调休上班"),
)

DEFAULT_CALENDAR = WorkCalendar.from_days((d, w) for d, w, _ in CN_2026)


def deadline(
    start: datetime, amount: int, unit: TimeUnit, calendar: WorkCalendar = DEFAULT_CALENDAR
) -> datetime:
    return calendar.deadline(start, amount, unit)


def light(
    now: datetime,
    started: datetime,
    deadline: datetime,
    unit: TimeUnit = TimeUnit.emergency_hours,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> Light:
    return calendar.light(now, started, deadline, unit)
