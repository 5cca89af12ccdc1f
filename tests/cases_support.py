"""Helpers for case tests: categories by code, a report in a persona's grid, history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from backend.config import Settings
from grid.actors import Actor
from grid.cases.services.intake import ReportDraft, report_case
from grid.cases.tables import CaseEvent, Category, Channel, Severity
from tests.personas import ORIGIN_LAT, ORIGIN_LON, STEP

#: A point inside each test grid (WGS-84), west micro-grid.
POINTS = {
    "grid_a1_1": (ORIGIN_LON + STEP * 0.25, ORIGIN_LAT + STEP * 0.5),
    "grid_a1_2": (ORIGIN_LON + STEP * 1.25, ORIGIN_LAT + STEP * 0.5),
    "grid_b1_1": (ORIGIN_LON + STEP * 2.25, ORIGIN_LAT + STEP * 0.5),
}


async def category_id(code: str) -> int:
    row = await Category.select(Category.id).where(Category.code == code).first()
    assert row is not None, code
    return row["id"]


async def report(
    world: Any,
    persona: str = "grid_worker_a",
    *,
    code: str = "0101",
    grid: str = "grid_a1_1",
    client_id: str | None = None,
    severity: Severity = Severity.normal,
    who: Any = None,
) -> dict[str, Any]:
    lon, lat = POINTS[grid]
    draft = ReportDraft(
        category_id=await category_id(code),
        description="路边有一堆暴露垃圾",
        client_id=client_id or uuid.uuid4().hex,
        channel=Channel.console,
        lon=lon,
        lat=lat,
        severity=severity,
    )
    result = await report_case(who or world.actors[persona], draft)
    return result.case


async def history(case_id: int) -> list[dict[str, Any]]:
    return await CaseEvent.select().where(CaseEvent.case == case_id).order_by(CaseEvent.id)


def shanghai(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    from grid.cases.calendar import TZ

    return datetime(y, m, d, hh, mm, tzinfo=TZ)


async def new_photos(
    actor: Actor,
    settings: Settings,
    count: int = 1,
    *,
    seed: int = 0,
    lon: float | None = None,
    lat: float | None = None,
) -> list[int]:
    """Small phone-like JPEGs uploaded by ``actor`` (with GPS when ``lon``/``lat`` are given);
    ``seed`` makes the pictures differ, so each upload is a new photo."""
    from media.services.photos import upload_photo
    from tests.media_samples import phone_jpeg

    ids = []
    for i in range(count):
        data = phone_jpeg(320, 240, seed=seed * 100 + i, quality=60 + i, lon=lon, lat=lat)
        ids.append((await upload_photo(actor, data, "p.jpg", settings=settings)).id)
    return ids
