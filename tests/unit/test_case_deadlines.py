"""Deadlines and lights against the 2026 State Council holiday schedule (Asia/Shanghai)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grid.cases.calendar import DEFAULT_CALENDAR as CAL
from grid.cases.calendar import Light, TimeUnit
from grid.cases.categories import ladder
from grid.cases.deadlines import first_level, light_of, limit_at, next_level, timing
from grid.tables import Level
from tests.cases_support import shanghai

WD, WH, EH, CD = (
    TimeUnit.working_days,
    TimeUnit.working_hours,
    TimeUnit.emergency_hours,
    TimeUnit.calendar_days,
)


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due"),
    [
        # an ordinary week: Monday 10:00 + 1 working day = Tuesday 10:00
        (shanghai(2026, 3, 2, 10), 1, WD, shanghai(2026, 3, 3, 10)),
        # Friday 16:00 + 1 working day = Monday 16:00 (the weekend does not count)
        (shanghai(2026, 3, 6, 16), 1, WD, shanghai(2026, 3, 9, 16)),
        # National Day: Wed 30 Sep 16:00 + 1 working day skips 1–7 Oct → Thu 8 Oct 16:00
        (shanghai(2026, 9, 30, 16), 1, WD, shanghai(2026, 10, 8, 16)),
        # ... and Saturday 10 Oct is a make-up workday (调休上班)
        (shanghai(2026, 10, 9, 16), 1, WD, shanghai(2026, 10, 10, 16)),
        # Spring Festival: Sat 14 Feb is a make-up workday, 15–23 Feb are holidays
        (shanghai(2026, 2, 13, 10), 1, WD, shanghai(2026, 2, 14, 10)),
        (shanghai(2026, 2, 14, 16), 5, WH, shanghai(2026, 2, 24, 14)),
        # Labour Day: Thu 30 Apr 17:00 + 4 working hours → Wed 6 May 14:00 (lunch excluded)
        (shanghai(2026, 4, 30, 17), 4, WH, shanghai(2026, 5, 6, 14)),
        # New Year: reported on the holiday 1 Jan → counted from Sun 4 Jan (make-up workday)
        (shanghai(2026, 1, 1, 11), 2, WH, shanghai(2026, 1, 4, 11)),
        # 15 working days for illegal construction across Qingming (4–6 Apr); a limit that
        # starts at 09:00 uses up its last working day at 17:30
        (shanghai(2026, 4, 1, 9), 15, WD, shanghai(2026, 4, 22, 17, 30)),
        # emergency hours and calendar days ignore the calendar
        (shanghai(2026, 10, 1, 22), 6, EH, shanghai(2026, 10, 2, 4)),
        (shanghai(2026, 2, 16, 12), 3, CD, shanghai(2026, 2, 19, 12)),
    ],
)
def test_deadline_follows_the_working_calendar(start, amount, unit, due):
    assert CAL.deadline(start, amount, unit) == due


def test_light_turns_yellow_at_80_percent_and_red_after_the_deadline():
    start = shanghai(2026, 3, 2, 10)  # Monday: 1 working day = 7 h, due 10:00 Tuesday
    t = timing(CAL, {"grid": 1, "community": 1}, WD, Level.grid, start)
    assert t.deadline_at == shanghai(2026, 3, 3, 10)
    assert t.warn_at == shanghai(2026, 3, 2, 17, 6)  # 5.6 working hours, lunch excluded
    minute = timedelta(minutes=1)
    assert light_of(t.warn_at - minute, t.warn_at, t.deadline_at) is Light.green
    assert light_of(t.warn_at, t.warn_at, t.deadline_at) is Light.yellow
    assert light_of(t.deadline_at, t.warn_at, t.deadline_at) is Light.yellow
    assert light_of(t.deadline_at + minute, t.warn_at, t.deadline_at) is Light.red


def test_a_weekend_does_not_turn_a_working_day_case_yellow():
    t = timing(CAL, {"grid": 1}, WD, Level.grid, shanghai(2026, 3, 6, 16))  # Friday
    assert light_of(shanghai(2026, 3, 8, 12), t.warn_at, t.deadline_at) is Light.green


def test_limits_per_level_on_the_ladder():
    component = ladder(Level.street, 6, 6, 6)  # 井盖缺失: street → district → city
    assert first_level(component) is Level.street
    assert limit_at(component, Level.grid) == 6  # sent down below its first level
    assert next_level(component, Level.grid) is Level.street
    assert next_level(component, Level.street) is Level.district
    assert next_level(component, Level.city) is None
    event = ladder(Level.grid, 1, 1, 2, 3, 5)
    assert [limit_at(event, lv) for lv in ("grid", "community", "street", "district", "city")] == [
        1,
        1,
        2,
        3,
        5,
    ]


def test_the_top_level_has_no_sweep_because_nothing_is_above_it():
    limits = ladder(Level.grid, 1, 1, 2, 3, 5)
    start = shanghai(2026, 3, 2, 10)
    assert timing(CAL, limits, WD, Level.district, start).sweep_at is not None
    assert timing(CAL, limits, WD, Level.city, start).sweep_at is None
    stopped = timing(CAL, limits, WD, Level.grid, start, running=False)
    assert stopped.sweep_at is None and stopped.deadline_at == shanghai(2026, 3, 3, 10)
