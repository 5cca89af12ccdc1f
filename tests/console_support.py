"""Helpers for console tests: cases in the states the console works on, and a signed-in
console session over HTTP (cookie + CSRF token read from the page, as a browser would)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from backend.config import Settings
from grid.cases.services import triage
from grid.cases.services.intake import ReportDraft, report_case
from grid.cases.tables import Case
from tests.cases_support import POINTS, category_id, new_photos, report
from tests.personas import PASSWORD

CSRF_INPUT = re.compile(r'name="_csrf" value="([^"]+)"')


async def escalated_to_street_a(
    world: Any,
    *,
    description: str | None = None,
    photos: int = 0,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """A grid report (with ``photos`` photos) the grid leader and then the community pass up:
    it waits, escalated, at street A's center."""
    if photos:
        assert settings is not None
        worker = world.actors["grid_worker_a"]
        ids = await new_photos(worker, settings, photos, seed=uuid.uuid4().int % 10_000)
        lon, lat = POINTS["grid_a1_1"]
        draft = ReportDraft(
            category_id=await category_id("0101"),
            description="路边有一堆暴露垃圾（附照片）",
            client_id=uuid.uuid4().hex,
            lon=lon,
            lat=lat,
            photo_ids=ids,
        )
        case = (await report_case(worker, draft, settings=settings)).case
    else:
        case = await report(world, "grid_worker_a")
    if description is not None:
        await Case.update({Case.description: description}).where(Case.id == case["id"])
    await triage.escalate_case(world.actors["grid_leader_a"], case["id"], "需社区协调")
    row = await triage.escalate_case(world.actors["community_staff_a"], case["id"], "需街道协调")
    assert row["level"] == "street" and row["unit"] == world.units["street_a"], row
    return row


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def console_sign_in(client: Any, persona: str) -> str:
    """Signs ``client`` in (the cookie jar keeps the session); returns the CSRF token."""
    form = await client.get("/console/login")
    assert form.status_code == 200, form.text
    token = csrf_of(form.text)
    answer = await client.post(
        "/console/login",
        data={"username": f"t_{persona}", "password": PASSWORD, "_csrf": token},
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/queue"
    return token
