"""巡查走访: the patrol log of front-line staff — a visit to a household or a place, with a note.

Who may log a visit: the roles that keep residents' records (``resident.manage``: grid
workers, grid leaders, community staff) in whose scope the household or unit lies; anywhere
else the household does not exist for them (404). Photos come from the media package.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from backend import clock
from backend.db import write_transaction
from backend.errors import invalid, not_found
from grid.actors import Actor, authorize
from grid.cases.services.photos import clean_photo_ids
from grid.geo.coords import parse_system
from grid.permissions import Action
from grid.tables import Household, OrgUnit
from miniprogram_api.tables import PatrolVisit


@dataclass
class VisitDraft:
    note: str
    client_id: str
    household_id: int | None = None
    unit_id: int | None = None
    place: str = ""
    lon: float | None = None
    lat: float | None = None
    coord_system: str = "gcj02"
    photo_ids: list[int] = field(default_factory=list)
    found_problem: bool = False
    visited_at: datetime | None = None


def _check(actor: Actor, prefix: str, kind: str, ident: object) -> None:
    authorize(
        actor, Action.resident_manage, prefix, read=Action.resident_read, kind=kind, ident=ident
    )


async def _where(actor: Actor, draft: VisitDraft) -> tuple[int, str]:
    """(unit id, unit prefix) of the visit, checked against the actor's scope."""
    if draft.household_id is not None:
        row = (
            await Household.select(Household.unit_prefix, Household.house_unit.micro_grid)
            .where(Household.id == draft.household_id)
            .first()
        )
        if row is None:
            raise not_found("household", draft.household_id)
        _check(actor, row["unit_prefix"], "household", draft.household_id)
        return row["house_unit.micro_grid"], row["unit_prefix"]
    if draft.unit_id is None:
        raise invalid("household_id", "give a household, or a unit with the place")
    if not draft.place.strip():
        raise invalid("place", "say where the visit was")
    unit = (
        await OrgUnit.select(OrgUnit.id, OrgUnit.prefix).where(OrgUnit.id == draft.unit_id).first()
    )
    if unit is None:
        raise not_found("unit", draft.unit_id)
    _check(actor, unit["prefix"], "unit", draft.unit_id)
    return unit["id"], unit["prefix"]


async def _existing(actor: Actor, client_id: str) -> dict[str, Any] | None:
    return (
        await PatrolVisit.select()
        .where((PatrolVisit.staff == actor.id) & (PatrolVisit.client_id == client_id))
        .output(load_json=True)
        .first()
    )


async def log_visit(actor: Actor, draft: VisitDraft) -> tuple[dict[str, Any], bool]:
    """Record a visit; the same ``client_id`` again returns the visit already logged."""
    note = draft.note.strip()
    if not 1 <= len(note) <= 2000:
        raise invalid("note", "1–2000 characters")
    client_id = draft.client_id.strip()
    if not 1 <= len(client_id) <= 64:
        raise invalid("client_id", "1–64 characters")
    if len(draft.place) > 200:
        raise invalid("place", "at most 200 characters")
    system = parse_system(draft.coord_system)
    photos = clean_photo_ids(draft.photo_ids)
    unit_id, prefix = await _where(actor, draft)
    existing = await _existing(actor, client_id)
    if existing is not None:
        return existing, False
    now = clock.now()
    try:
        async with write_transaction():
            await PatrolVisit.insert(
                PatrolVisit(
                    staff=actor.id,
                    unit=unit_id,
                    unit_prefix=prefix,
                    household=draft.household_id,
                    place=draft.place.strip(),
                    lon=draft.lon,
                    lat=draft.lat,
                    coord_system=str(system),
                    note=note,
                    photo_ids=photos,
                    client_id=client_id,
                    found_problem=draft.found_problem,
                    visited_at=draft.visited_at or now,
                    created_at=now,
                )
            )
    except (asyncpg.UniqueViolationError, sqlite3.IntegrityError):
        existing = await _existing(actor, client_id)  # a racing retry made it first
        if existing is None:
            raise
        return existing, False
    created = await _existing(actor, client_id)
    assert created is not None
    return created, True


async def my_visits(
    actor: Actor, *, before_id: int | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    where: Any = PatrolVisit.staff == actor.id
    if before_id is not None:
        where = where & (PatrolVisit.id < before_id)
    return list(
        await PatrolVisit.select()
        .where(where)
        .order_by(PatrolVisit.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )


async def visits_count(actor: Actor, since: datetime, until: datetime) -> int:
    return await PatrolVisit.count().where(
        (PatrolVisit.staff == actor.id)
        & (PatrolVisit.visited_at >= since)
        & (PatrolVisit.visited_at < until)
    )
