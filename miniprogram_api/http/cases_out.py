"""Compact case shapes for phones: a card for lists, the full view with a status timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from backend.config import Settings
from grid.actors import Actor
from grid.cases.services.queries import CaseDetail, CaseView
from miniprogram_api.http.common import PhotoRef, photo_refs


class CaseCard(msgspec.Struct):
    id: int
    number: str
    state: str
    state_zh: str
    light: str | None
    category: str
    description: str
    address: str
    level: str
    deadline_at: datetime
    created_at: datetime
    rating: int | None
    version: int


class Step(msgspec.Struct):
    at: datetime
    action: str
    action_zh: str
    state: str
    by: str
    note: str = ""
    photo_ids: list[int] = msgspec.field(default_factory=list)


class CaseFull(msgspec.Struct):
    case: CaseCard
    lon: float | None
    lat: float | None
    coord_system: str
    photos: list[PhotoRef]
    result_note: str
    result_photos: list[PhotoRef]
    timeline: list[Step]
    can: list[str]


def card(view: CaseView) -> CaseCard:
    return CaseCard(
        id=view.id,
        number=view.number,
        state=view.state,
        state_zh=view.state_zh,
        light=view.light,
        category=view.category_name,
        description=view.description,
        address=view.address,
        level=view.level,
        deadline_at=view.deadline_at,
        created_at=view.created_at,
        rating=view.rating,
        version=view.version,
    )


def _by(event: Any, me: Actor) -> str:
    if event.actor_kind == me.kind and event.actor_id == str(me.id):
        return "我"
    if event.actor_kind == "resident":
        return "居民"
    if event.actor_kind == "system":
        return "系统"
    return event.actor_name


def _note(event: Any) -> tuple[str, list[int]]:
    data = event.data or {}
    note = event.reason or str(data.get("note", "") or data.get("comment", "") or "")
    return note, [int(i) for i in data.get("photo_ids", []) or []]


async def full(detail: CaseDetail, me: Actor, settings: Settings) -> CaseFull:
    view = detail.case
    steps = []
    for e in detail.history:
        note, photos = _note(e)
        steps.append(Step(e.at, e.action, e.action_zh, e.to_state, _by(e, me), note, photos))
    return CaseFull(
        case=card(view),
        lon=view.lon,
        lat=view.lat,
        coord_system=view.coord_system,
        photos=await photo_refs(me, view.photo_ids, settings),
        result_note=view.result_note,
        result_photos=await photo_refs(me, view.result_photo_ids, settings),
        timeline=steps,
        can=detail.my_actions,
    )


CARD_EXAMPLE = {
    "id": 42,
    "number": "20261125-000042",
    "state": "dispatched",
    "state_zh": "已派遣",
    "light": "green",
    "category": "暴露垃圾",
    "description": "小区门口有一堆垃圾",
    "address": "寸滩家园3栋旁",
    "level": "grid",
    "deadline_at": "2026-11-26T09:30:00+08:00",
    "created_at": "2026-11-25T09:30:00+08:00",
    "rating": None,
    "version": 3,
}
PHOTO_EXAMPLE = {
    "id": 501,
    "thumb_url": "/api/v1/media/objects/thumb/ab/ab12….jpg?exp=1764035400&sig=…",
    "display_url": "/api/v1/media/objects/display/ab/ab12….jpg?exp=1764035400&sig=…",
}
FULL_EXAMPLE = {
    "case": {**CARD_EXAMPLE, "state": "handled", "state_zh": "已处置"},
    "lon": 106.5412,
    "lat": 29.5871,
    "coord_system": "gcj02",
    "photos": [PHOTO_EXAMPLE],
    "result_note": "已清运",
    "result_photos": [PHOTO_EXAMPLE],
    "timeline": [
        {
            "at": "2026-11-25T09:30:00+08:00",
            "action": "report",
            "action_zh": "上报",
            "state": "reported",
            "by": "我",
            "note": "",
            "photo_ids": [],
        },
        {
            "at": "2026-11-25T11:00:00+08:00",
            "action": "handle",
            "action_zh": "处置完成",
            "state": "handled",
            "by": "李网格员",
            "note": "已清运",
            "photo_ids": [502],
        },
    ],
    "can": ["confirm"],
}
