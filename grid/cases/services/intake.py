"""``report_case``: the one entry every channel calls to turn a report into a case.

* **Idempotent per reporter and client id.** A phone on a weak signal retries; the same
  reporter + ``client_id`` always gets the same case back. The unique index decides, also
  under concurrency: a retry's insert fails and the case already made is returned. New
  reports (the common case) therefore pay no lookup first.
* **Where.** A point (WGS-84 or GCJ-02) is routed to its grid and micro-grid; a house unit to
  its micro-grid's grid; an explicit unit (with an address) is taken as given. A point in no
  grid falls to the smallest unit around it.
* **Who handles it first.** The category's first level (events start at the grid, components
  and serious matters at the street center); a major-severity report starts at the street
  center at least. The responsible unit is the ancestor of the place at that level.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from backend import clock
from backend.config import Settings
from backend.db import is_sqlite, write_transaction
from backend.errors import DomainError, ErrorCode, forbidden, invalid, not_found
from grid.actors import Actor
from grid.cases.deadlines import is_above, rung, timing
from grid.cases.services import outbox
from grid.cases.services.access import Reporter, Who, reporter_of
from grid.cases.services.calendar import load_calendar
from grid.cases.services.categories import CategoryView, reportable_category
from grid.cases.services.intake_sql import insert_report
from grid.cases.services.moves import actor_fields, level_text, unit_note
from grid.cases.services.photos import clean_photo_ids, link_photos, located_by_photos
from grid.cases.services.places import Place, ancestor_at, place_by_id
from grid.cases.states import CaseState
from grid.cases.tables import Arrival, Case, CaseEvent, Channel, RecipientKind, Severity
from grid.codes import prefix_of
from grid.geo.coords import parse_system
from grid.geo.lookup import locate_point
from grid.permissions import Action
from grid.tables import HouseUnit, Level

INTEGRITY_ERRORS = (asyncpg.UniqueViolationError, sqlite3.IntegrityError)


@dataclass
class ReportDraft:
    category_id: int
    description: str
    client_id: str
    channel: Channel = Channel.console
    lon: float | None = None
    lat: float | None = None
    coord_system: str = "wgs84"
    house_unit_id: int | None = None
    unit_id: int | None = None
    address: str = ""
    photo_ids: list[int] = field(default_factory=list)
    severity: Severity = Severity.normal


@dataclass(frozen=True)
class Reported:
    case: dict[str, Any]
    created: bool


@dataclass(frozen=True)
class Where:
    home: Place
    micro_grid_id: int | None
    lon: float | None = None
    lat: float | None = None
    wgs_lon: float | None = None
    wgs_lat: float | None = None
    coord_system: str = "wgs84"
    house_unit_id: int | None = None


async def _existing(reporter: Reporter, client_id: str) -> dict[str, Any] | None:
    return (
        await Case.select()
        .where(
            (Case.reporter_kind == reporter.kind)
            & (Case.reporter_id == reporter.id)
            & (Case.client_id == client_id)
        )
        .first()
    )


async def _grid_of(place: Place) -> tuple[Place, int | None]:
    """A micro-grid stands for its grid (the ladder starts at the grid)."""
    if place.level is Level.micro_grid:
        return await ancestor_at(place.prefix, Level.grid), place.id
    return place, None


async def _at_point(lon: float, lat: float, coord_system: str) -> Where:
    system = parse_system(coord_system)
    found = await locate_point(lon, lat, system)
    ref = found.grid or found.unit
    home = Place(ref.id, prefix_of(ref.code, ref.level), ref.level, ref.name)
    micro = found.micro_grid.id if found.micro_grid else None
    return Where(home, micro, lon, lat, found.lon, found.lat, system)


async def locate(
    draft: ReportDraft, who: Who | None = None, photos: list[int] | None = None
) -> Where:
    """Where the report happened: its point, house unit or unit — else its first photo with
    GPS (WGS-84), once ``who`` may use the photos."""
    if draft.lon is not None and draft.lat is not None:
        return await _at_point(draft.lon, draft.lat, draft.coord_system)
    if draft.house_unit_id is not None:
        house = (
            await HouseUnit.select(HouseUnit.id, HouseUnit.micro_grid)
            .where(HouseUnit.id == draft.house_unit_id)
            .first()
        )
        if house is None:
            raise not_found("house_unit", draft.house_unit_id)
        home, micro = await _grid_of(await place_by_id(house["micro_grid"]))
        return Where(home, micro, house_unit_id=house["id"])
    if draft.unit_id is not None:
        home, micro = await _grid_of(await place_by_id(draft.unit_id))
        if home.level is Level.city:
            raise invalid("unit_id", "give a district or a smaller unit")
        return Where(home, micro)
    if who is not None and photos:
        found = await located_by_photos(who, photos)
        if found is not None:
            return await _at_point(found.lon, found.lat, str(found.coord_system))
    raise DomainError(ErrorCode.CASE_LOCATION_MISSING)


async def responsible(category: CategoryView, severity: Severity, home: Place) -> Place:
    """The unit that handles the case first (see module docstring)."""
    level = Level(category.first_level)
    if severity is Severity.major and is_above(Level.street, level):
        level = Level.street
    if rung(home.level) >= rung(level):
        return home
    return await ancestor_at(home.prefix, level)


def _validate(draft: ReportDraft) -> tuple[str, str]:
    client_id = draft.client_id.strip()
    if not 1 <= len(client_id) <= 64:
        raise invalid("client_id", "1–64 characters")
    description = draft.description.strip()
    if not 1 <= len(description) <= 2000:
        raise invalid("description", "1–2000 characters")
    if len(draft.address) > 200:
        raise invalid("address", "at most 200 characters")
    return client_id, description


async def report_case(
    who: Who, draft: ReportDraft, *, settings: Settings | None = None
) -> Reported:
    """Make the case for a report, or return the one this reporter's ``client_id`` made.

    Its photos are linked to the case in the same transaction (``settings``: the door's, for
    media's limits; see :mod:`.photos`)."""
    if isinstance(who, Actor) and who.kind == "staff" and not who.grants_for(Action.case_report):
        raise forbidden(str(Action.case_report))
    client_id, description = _validate(draft)
    reporter = reporter_of(who)
    photos = clean_photo_ids(draft.photo_ids, settings)
    category = await reportable_category(draft.category_id)
    where = await locate(draft, who, photos)
    unit = await responsible(category, Severity(draft.severity), where.home)
    now = clock.now()
    t = timing(await load_calendar(), category.limits, category.time_unit, unit.level, now)
    values: dict[str, Any] = {
        "category": category.id,
        "description": description,
        "severity": str(draft.severity),
        "state": str(CaseState.reported),
        "home_unit": where.home.id,
        "home_prefix": where.home.prefix,
        "micro_grid": where.micro_grid_id,
        "lon": where.lon,
        "lat": where.lat,
        "coord_system": str(where.coord_system),
        "wgs_lon": where.wgs_lon,
        "wgs_lat": where.wgs_lat,
        "address": draft.address.strip(),
        "house_unit": where.house_unit_id,
        "photo_ids": photos,
        "level": str(unit.level),
        "unit": unit.id,
        "unit_prefix": unit.prefix,
        "arrived_by": str(Arrival.intake),
        "top_level": str(unit.level),
        "escalations": 0,
        "result_note": "",
        "result_photo_ids": [],
        "rework_count": 0,
        "reporter_kind": str(reporter.kind),
        "reporter_id": reporter.id,
        "channel": str(draft.channel),
        "client_id": client_id,
        "created_at": now,
        "updated_at": now,
        "time_unit": str(t.time_unit),
        "time_limit": t.time_limit,
        "level_started_at": now,
        "warn_at": t.warn_at,
        "deadline_at": t.deadline_at,
        "sweep_at": t.sweep_at,
        "rating_comment": "",
        "version": 0,
    }
    kind, ident, name = actor_fields(who)
    event = {
        "at": now,
        "actor_kind": kind,
        "actor_id": ident,
        "actor_name": name,
        "action": "report",
        "from_state": None,
        "to_state": str(CaseState.reported),
        "from_level": None,
        "to_level": str(unit.level),
        "reason": "",
        "channel": str(draft.channel),
        "data": {"category": category.code, "unit_id": unit.id},
    }
    text = f"新上报「{category.name}」，请在{level_text(unit.level)}受理"
    try:
        if is_sqlite():
            async with write_transaction():
                created = await _insert_rows(values, event, unit.id, text)
                await link_photos(who, created["id"], "report", photos, settings=settings)
        else:
            note = {
                "kind": "case.new",
                "recipient_kind": str(RecipientKind.unit),
                "recipient_id": str(unit.id),
                "payload": {"text": text},
                "created_at": now,
            }
            if photos:  # linking photos must not outlive a failed insert: one transaction
                async with write_transaction():
                    created = await insert_report(values, event, note)
                    await link_photos(who, created["id"], "report", photos, settings=settings)
            else:
                created = await insert_report(values, event, note)
    except INTEGRITY_ERRORS:
        existing = await _existing(reporter, client_id)
        if existing is None:
            raise
        return Reported(existing, created=False)
    outbox.after_commit()
    return Reported(created, created=True)


async def _insert_rows(
    values: dict[str, Any], event: dict[str, Any], unit_id: int, text: str
) -> dict[str, Any]:
    """The same three rows as :func:`.intake_sql.insert_report`, in the caller's transaction
    (SQLite)."""
    created = (await Case.insert(Case(**values)).returning(*Case.all_columns()))[0]
    await CaseEvent.insert(CaseEvent(case=created["id"], **event))
    case = {"id": created["id"], "created_at": values["created_at"]}
    await outbox.write([unit_note(unit_id, case, "case.new", text)], created["id"])
    return created
