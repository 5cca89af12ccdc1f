"""Read models: a case as people see it (number, light, names), its history,
"my cases", and duplicate suggestions (the triage queues: :mod:`.queues`). Every read goes
through the same scope rules as the moves (:mod:`grid.cases.services.access`)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backend import clock
from backend.config import Settings
from backend.errors import not_found
from grid.actors import Actor
from grid.cases.calendar import Light
from grid.cases.deadlines import light_of
from grid.cases.services.access import Who, access_case, can_read, parties_for
from grid.cases.services.categories import all_categories
from grid.cases.services.moves import case_number
from grid.cases.services.photos import CasePhotos, case_photos
from grid.cases.states import (
    RUNNING,
    STATE_ZH,
    CaseState,
    allowed_actions,
    event_label,
    transition,
)
from grid.cases.tables import AssigneeKind, Case, CaseEvent


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class CaseView:
    id: int
    number: str
    state: str
    state_zh: str
    light: str | None
    category_id: int
    category_code: str
    category_name: str
    description: str
    severity: str
    level: str
    unit_id: int
    home_unit_id: int
    micro_grid_id: int | None
    lon: float | None
    lat: float | None
    coord_system: str
    address: str
    house_unit_id: int | None
    photo_ids: list[int]
    arrived_by: str
    top_level: str
    escalations: int
    claimed_by: int | None
    assignee_kind: str | None
    assigned_unit_id: int | None
    department_id: int | None
    assigned_staff_id: int | None
    handled_by: int | None
    result_note: str
    result_photo_ids: list[int]
    rework_count: int
    merged_into: int | None
    reporter_kind: str
    reporter_id: str
    channel: str
    created_at: datetime
    filed_at: datetime | None
    dispatched_at: datetime | None
    handled_at: datetime | None
    verified_at: datetime | None
    closed_at: datetime | None
    evaluated_at: datetime | None
    level_started_at: datetime
    warn_at: datetime
    deadline_at: datetime
    rating: int | None
    version: int


def light_now(row: dict[str, Any], now: datetime | None = None) -> Light | None:
    """The traffic light of a case whose clock runs (None once the work is done)."""
    if row["state"] not in RUNNING:
        return None
    return light_of(now or clock.now(), row["warn_at"], row["deadline_at"])


async def case_view(row: dict[str, Any]) -> CaseView:
    category = (await all_categories()).get(row["category"])
    light = light_now(row)
    return CaseView(
        id=row["id"],
        number=case_number(row["id"], row["created_at"]),
        state=row["state"],
        state_zh=STATE_ZH[CaseState(row["state"])],
        light=str(light) if light else None,
        category_id=row["category"],
        category_code=category.code if category else "",
        category_name=category.name if category else "",
        description=row["description"],
        severity=row["severity"],
        level=row["level"],
        unit_id=row["unit"],
        home_unit_id=row["home_unit"],
        micro_grid_id=row["micro_grid"],
        lon=row["lon"],
        lat=row["lat"],
        coord_system=row["coord_system"],
        address=row["address"],
        house_unit_id=row["house_unit"],
        photo_ids=list(_json(row["photo_ids"]) or []),
        arrived_by=row["arrived_by"],
        top_level=row["top_level"],
        escalations=row["escalations"],
        claimed_by=row["claimed_by"],
        assignee_kind=row["assignee_kind"],
        assigned_unit_id=row["assigned_unit"],
        department_id=row["department"],
        assigned_staff_id=row["assigned_staff"],
        handled_by=row["handled_by"],
        result_note=row["result_note"],
        result_photo_ids=list(_json(row["result_photo_ids"]) or []),
        rework_count=row["rework_count"],
        merged_into=row["merged_into"],
        reporter_kind=row["reporter_kind"],
        reporter_id=row["reporter_id"],
        channel=row["channel"],
        created_at=row["created_at"],
        filed_at=row["filed_at"],
        dispatched_at=row["dispatched_at"],
        handled_at=row["handled_at"],
        verified_at=row["verified_at"],
        closed_at=row["closed_at"],
        evaluated_at=row["evaluated_at"],
        level_started_at=row["level_started_at"],
        warn_at=row["warn_at"],
        deadline_at=row["deadline_at"],
        rating=row["rating"],
        version=row["version"],
    )


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor_kind: str
    actor_id: str
    actor_name: str
    action: str
    action_zh: str
    from_state: str | None
    to_state: str
    from_level: str | None
    to_level: str | None
    reason: str
    channel: str
    data: dict[str, Any]


@dataclass(frozen=True)
class CaseDetail:
    case: CaseView
    history: list[EventView]
    my_actions: list[str]
    #: report / result / verification photos with time-limited thumbnail and display URLs
    photos: CasePhotos


def my_actions(who: Who, row: dict[str, Any]) -> list[str]:
    """What ``who`` could do now (roles and state; targets are checked when acting)."""
    possible = []
    for action in allowed_actions(CaseState(row["state"])):
        try:
            transition(CaseState(row["state"]), action, parties_for(who, row, action))
        except Exception:  # noqa: S112 — refused: not offered
            continue
        possible.append(str(action))
    return possible


async def case_detail(who: Who, case_id: int, *, settings: Settings | None = None) -> CaseDetail:
    row = await access_case(who, case_id)
    events = await CaseEvent.select().where(CaseEvent.case == case_id).order_by(CaseEvent.id)
    history = [
        EventView(
            at=e["at"],
            actor_kind=e["actor_kind"],
            actor_id=e["actor_id"],
            actor_name=e["actor_name"],
            action=e["action"],
            action_zh=event_label(e["action"]),
            from_state=e["from_state"],
            to_state=e["to_state"],
            from_level=e["from_level"],
            to_level=e["to_level"],
            reason=e["reason"],
            channel=e["channel"],
            data=_json(e["data"]) or {},
        )
        for e in events
    ]
    photos = await case_photos(row, settings=settings)
    return CaseDetail(await case_view(row), history, my_actions(who, row), photos)


async def my_cases(
    actor: Actor, *, reported: bool = False, offset: int = 0, limit: int = 50
) -> tuple[list[CaseView], int]:
    """Work handed to me, my units or my departments (open), or the cases I reported."""
    if reported:
        who = "resident" if actor.kind == "resident" else "staff"
        where = (Case.reporter_kind == who) & (Case.reporter_id == str(actor.id))
    else:
        where = (Case.assignee_kind == AssigneeKind.staff) & (Case.assigned_staff == actor.id)
        units = sorted({g.unit_id for g in actor.grants})
        if units:
            where = where | (
                (Case.assignee_kind == AssigneeKind.unit) & Case.assigned_unit.is_in(units)
            )
        departments = sorted({g.department_id for g in actor.grants if g.department_id})
        if departments:
            where = where | (
                (Case.assignee_kind == AssigneeKind.department) & Case.department.is_in(departments)
            )
        where = where & Case.state.is_in([CaseState.dispatched, CaseState.in_progress])
    order = Case.deadline_at if not reported else Case.id
    rows = (
        await Case.select()
        .where(where)
        .order_by(order, ascending=not reported)
        .offset(offset)
        .limit(limit)
    )
    total = await Case.count().where(where)
    return [await case_view(r) for r in rows], total


EARTH_M = 6_371_000.0


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), plenty for tens to hundreds of metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Duplicate:
    case: CaseView
    distance_m: float | None


async def duplicate_suggestions(who: Who, case_id: int, limit: int = 10) -> list[Duplicate]:
    """Cases of the same category within the category's radius and time window, nearest
    first and, at the same distance, closest in time (a pile of garbage reported from one spot
    all day: the report just before this one is the likely twin), that the caller may see;
    cases without a point: the same grid."""
    row = await access_case(who, case_id)
    category = (await all_categories()).get(row["category"])
    if category is None:
        raise not_found("category", row["category"])
    window = timedelta(hours=category.duplicate_window_h)
    where = (
        (Case.category == row["category"])
        & (Case.id != case_id)
        & Case.state.not_in([CaseState.merged, CaseState.rejected])
        & (Case.created_at >= row["created_at"] - window)
        & (Case.created_at <= row["created_at"] + window)
    )
    lon, lat = row["wgs_lon"], row["wgs_lat"]
    if lon is not None and lat is not None:
        radius = category.duplicate_radius_m
        dlat = radius / 111_320.0
        dlon = radius / (111_320.0 * max(0.01, math.cos(math.radians(lat))))
        where = (
            where
            & Case.wgs_lon.is_not_null()
            & (Case.wgs_lon >= lon - dlon)
            & (Case.wgs_lon <= lon + dlon)
            & (Case.wgs_lat >= lat - dlat)
            & (Case.wgs_lat <= lat + dlat)
        )
    else:
        where = where & (Case.home_unit == row["home_unit"])
    found: list[tuple[float, float, dict[str, Any]]] = []
    candidates = await Case.select().where(where).order_by(Case.id, ascending=False).limit(200)
    for other in candidates:
        if not can_read(who, other):
            continue
        d = None
        if lon is not None and other["wgs_lon"] is not None:
            d = distance_m(lon, lat, other["wgs_lon"], other["wgs_lat"])
            if d > category.duplicate_radius_m:
                continue
        apart = abs((other["created_at"] - row["created_at"]).total_seconds())
        found.append((d or 0.0, apart, other))
    found.sort(key=lambda x: (x[0], x[1], x[2]["id"]))
    return [
        Duplicate(
            await case_view(other), None if other["wgs_lon"] is None or lon is None else round(d, 1)
        )
        for d, _, other in found[:limit]
    ]
