"""The working calendar from the holiday table, and the admin use cases that edit it.

Every deadline needs the calendar, so each process keeps the one it built and re-reads the
table at most every :data:`REFRESH_S` seconds; an edit made through this process is seen at
once (:func:`forget_calendar`), one made elsewhere within that interval.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date

from backend.db import get_engine, write_transaction
from backend.errors import forbidden, invalid, not_found
from grid.actors import Actor
from grid.cases.calendar import WorkCalendar
from grid.cases.tables import Holiday
from grid.permissions import Action

REFRESH_S = 30.0

_cached: dict[int, tuple[float, WorkCalendar]] = {}


def forget_calendar() -> None:
    _cached.clear()


async def load_calendar() -> WorkCalendar:
    key = id(get_engine())
    hit = _cached.get(key)
    if hit is not None and time.monotonic() - hit[0] < REFRESH_S:
        return hit[1]
    rows = await Holiday.select(Holiday.day, Holiday.is_workday)
    calendar = WorkCalendar.from_days((_as_date(r["day"]), bool(r["is_workday"])) for r in rows)
    _cached[key] = (time.monotonic(), calendar)
    return calendar


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class HolidayView:
    day: date
    is_workday: bool
    name: str


def _check_admin(actor: Actor) -> None:
    if not actor.grants_for(Action.calendar_manage):
        raise forbidden(str(Action.calendar_manage))


async def list_holidays(actor: Actor, year: int | None = None) -> list[HolidayView]:
    """Listed days (holidays and make-up workdays); every staff member may read them."""
    query = Holiday.select().order_by(Holiday.day)
    if year is not None:
        if not MINYEAR <= year <= MAXYEAR:
            raise invalid("year", f"{MINYEAR}–{MAXYEAR}")
        query = query.where((Holiday.day >= date(year, 1, 1)) & (Holiday.day <= date(year, 12, 31)))
    return [HolidayView(_as_date(r["day"]), bool(r["is_workday"]), r["name"]) for r in await query]


def check_holiday(actor: Actor, name: str) -> str:
    """The admin right and the name's length (1–32 characters), the rules every door that
    lists a day must keep (this service and the admin site); the cleaned name."""
    _check_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > 32:
        raise invalid("name", "1–32 characters")
    return name


async def set_holiday(actor: Actor, day: date, *, is_workday: bool, name: str) -> HolidayView:
    """Add or change one listed day (admin), e.g. when next year's schedule is published."""
    name = check_holiday(actor, name)
    async with write_transaction():
        existing = await Holiday.select(Holiday.id).where(Holiday.day == day).first()
        if existing is None:
            await Holiday.insert(Holiday(day=day, is_workday=is_workday, name=name))
        else:
            await Holiday.update({Holiday.is_workday: is_workday, Holiday.name: name}).where(
                Holiday.id == existing["id"]
            )
    forget_calendar()
    return HolidayView(day, is_workday, name)


def check_holiday_removal(actor: Actor) -> None:
    _check_admin(actor)


async def remove_holiday(actor: Actor, day: date) -> None:
    """Unlist a day: it becomes an ordinary weekday or weekend day again (admin)."""
    check_holiday_removal(actor)
    async with write_transaction():
        existing = await Holiday.select(Holiday.id).where(Holiday.day == day).first()
        if existing is None:
            raise not_found("holiday", day.isoformat())
        await Holiday.delete().where(Holiday.id == existing["id"])
    forget_calendar()
