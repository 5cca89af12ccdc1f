"""A report assembled across several chat messages, the same for every channel.

The draft lives in the conversation state (see :mod:`bots.state`) as plain JSON: photo ids
already stored through Media, a point, a category, a description. Submitting calls the one
intake every channel uses; the ``client_id`` is fixed when the draft starts, so a confirm
pressed twice (or retried by the chat platform) makes one case.
"""

from __future__ import annotations

import secrets
from typing import Any

from backend.config import Settings
from bots.state import State, change_state, load_state
from bots.tables import BotChannel
from grid.actors import Actor
from grid.cases.services.categories import list_categories
from grid.cases.services.intake import ReportDraft, Reported, report_case
from grid.cases.tables import Channel
from media.services.photos import upload_photo

FLOW = "report"
MAX_PHOTOS = 9


def new_report(channel: str) -> State:
    return State(FLOW, "photos", {"client_id": f"{channel}-{secrets.token_hex(8)}", "photos": []})


async def add_photo(
    actor: Actor, channel: BotChannel, chat: str, data: bytes, settings: Settings
) -> int:
    """Store one photo through Media and attach it to the chat's stored draft; the number of
    photos in the draft.

    The photo is attached to the state as it is *after* storing (``change_state``), not as it
    was read before: other messages of the chat may have moved the draft on meanwhile. A draft
    that has ended or changed flow by then keeps nothing (the stored photo is an orphan the
    media sweep removes)."""
    before = await load_state(channel, chat)
    if not before.flow:
        return 0
    if len(before.data.get("photos", [])) >= MAX_PHOTOS:
        return len(before.data["photos"])
    view = await upload_photo(actor, data, "chat.jpg", settings=settings)

    def attach(state: State) -> int:
        if state.flow != before.flow:
            return 0
        photos: list[int] = state.data.setdefault("photos", [])
        if view.id not in photos and len(photos) < MAX_PHOTOS:
            photos.append(view.id)
        return len(photos)

    return (await change_state(channel, chat, attach))[1]


def set_location(state: State, lon: float, lat: float, system: str = "wgs84") -> None:
    """Telegram sends WGS-84; WeChat sends GCJ-02 (intake converts)."""
    state.data["lon"], state.data["lat"], state.data["coord_system"] = lon, lat, system


async def majors(actor: Actor) -> list[tuple[int, str]]:
    """Major categories (id, name) in code order: the first choice of a report."""
    return [(v.id, v.name) for v in await list_categories(actor) if v.parent_id is None]


async def minors(actor: Actor, major: int) -> list[tuple[int, str]]:
    """The reportable categories under one major category."""
    return [(v.id, v.name) for v in await list_categories(actor) if v.parent_id == major]


async def category_name(actor: Actor, category_id: int) -> str:
    return next((v.name for v in await list_categories(actor) if v.id == category_id), "")


async def submit(actor: Actor, state: State, channel: Channel) -> Reported:
    d: dict[str, Any] = state.data
    draft = ReportDraft(
        category_id=int(d["category_id"]),
        description=str(d.get("description", "")),
        client_id=str(d["client_id"]),
        channel=channel,
        lon=d.get("lon"),
        lat=d.get("lat"),
        coord_system=str(d.get("coord_system", "wgs84")),
        photo_ids=[int(p) for p in d.get("photos", [])],
    )
    return await report_case(actor, draft)
