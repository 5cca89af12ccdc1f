"""Helpers of the mini-program tests: sign in through the fake WeChat server, bind, report."""

from __future__ import annotations

import uuid
from typing import Any

from grid.geo.coords import wgs84_to_gcj02
from grid.tables import Resident
from tests.cases_support import POINTS, category_id

LOGIN = "/mp/v1/auth/login"


async def sign_in(client: Any, fake: Any, openid: str | None = None) -> dict[str, str]:
    """Headers of a fresh mini-program session for the WeChat user ``openid``."""
    code = fake.code_for(openid or f"o_{uuid.uuid4().hex[:20]}")
    answer = await client.post(LOGIN, json={"code": code})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def household_of(resident_id: int) -> int:
    row = await Resident.select(Resident.household).where(Resident.id == resident_id).first()
    assert row is not None
    return int(row["household"])


async def bind_resident(
    client: Any,
    world: Any,
    headers: dict[str, str],
    resident_id: int,
    staff: str = "community_staff_a",
) -> None:
    """Staff (in scope) issue a code for the resident; the resident binds with it."""
    issued = await client.post(
        "/api/v1/mp/binding-codes",
        json={"household_id": await household_of(resident_id), "resident_id": resident_id},
        headers=world.headers(staff),
    )
    assert issued.status_code == 201, issued.text
    bound = await client.post(
        "/mp/v1/bind/resident", json={"code": issued.json()["code"]}, headers=headers
    )
    assert bound.status_code == 200, bound.text


async def report_body(grid: str = "grid_a1_1", **extra: Any) -> dict[str, Any]:
    """A report as the phone sends it: wx.getLocation's GCJ-02 point inside ``grid``."""
    lon, lat = wgs84_to_gcj02(*POINTS[grid])
    return {
        "category_id": await category_id("0101"),
        "description": "小区门口有一堆垃圾",
        "client_id": uuid.uuid4().hex,
        "lon": float(lon),
        "lat": float(lat),
        "coord_system": "gcj02",
        **extra,
    }
