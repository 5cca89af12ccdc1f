"""Admins edit the taxonomy and the working calendar; everyone else reads them."""

from __future__ import annotations

import uuid

from grid.cases.services.calendar import load_calendar
from tests.cases_support import POINTS


async def test_admin_creates_updates_and_deactivates_a_category(client, world):
    admin = world.headers("admin")
    code = f"07{uuid.uuid4().int % 90 + 10}"
    listed = await client.get("/api/v1/categories?include_inactive=true", headers=admin)
    if "07" not in {c["code"] for c in listed.json()}:
        major = {
            "code": "07",
            "name": "测试大类",
            "time_unit": "working_days",
            "limits": {"grid": 1},
        }
        assert (
            await client.post("/api/v1/categories", json=major, headers=admin)
        ).status_code == 201
    body = {
        "code": code,
        "name": "测试小类",
        "time_unit": "working_hours",
        "limits": {"community": 4, "street": 8},
    }
    created = await client.post("/api/v1/categories", json=body, headers=admin)
    assert created.status_code == 201, created.text
    category = created.json()
    assert category["first_level"] == "community"
    taken = await client.post("/api/v1/categories", json=body, headers=admin)
    assert taken.status_code == 409 and taken.json()["code"] == "category_code_taken"

    url = f"/api/v1/categories/{category['id']}"
    patched = await client.patch(url, json={"limits": {"grid": 2, "community": 4}}, headers=admin)
    assert patched.json()["first_level"] == "grid" and patched.json()["limits"]["grid"] == 2
    bad = await client.patch(url, json={"limits": {"grid": 0}}, headers=admin)
    assert bad.status_code == 400
    assert (await client.post(url + "/deactivate", headers=admin)).json()["active"] is False

    lon, lat = POINTS["grid_a1_1"]
    report = {
        "category_id": category["id"],
        "description": "x",
        "client_id": "c1",
        "lon": lon,
        "lat": lat,
    }
    refused = await client.post(
        "/api/v1/cases", json=report, headers=world.headers("grid_worker_a")
    )
    assert refused.status_code == 422 and refused.json()["code"] == "category_inactive"


async def test_only_admins_edit_categories(client, world):
    body = {"code": "0799", "name": "x", "time_unit": "working_days", "limits": {"grid": 1}}
    response = await client.post(
        "/api/v1/categories", json=body, headers=world.headers("street_a_staff")
    )
    assert response.status_code == 403
    listed = await client.get("/api/v1/categories", headers=world.headers("grid_worker_a"))
    assert {"0101", "0401"} <= {c["code"] for c in listed.json()}


async def test_admin_lists_a_make_up_workday_and_deadlines_follow(client, world):
    admin = world.headers("admin")
    day = "2027-02-06"  # a Saturday
    put = await client.put(
        f"/api/v1/calendar/holidays/{day}",
        json={"name": "春节调休上班", "is_workday": True},
        headers=admin,
    )
    assert put.status_code == 200
    from datetime import date

    assert (await load_calendar()).is_workday(date(2027, 2, 6))
    listed = (
        await client.get(
            "/api/v1/calendar/holidays?year=2027", headers=world.headers("grid_worker_a")
        )
    ).json()
    assert [h["day"] for h in listed] == [day]
    refused = await client.delete(
        f"/api/v1/calendar/holidays/{day}", headers=world.headers("grid_worker_a")
    )
    assert refused.status_code == 403
    assert (
        await client.delete(f"/api/v1/calendar/holidays/{day}", headers=admin)
    ).status_code == 204
    assert not (await load_calendar()).is_workday(date(2027, 2, 6))


async def test_listing_holidays_of_a_year_no_date_can_hold_is_a_400_not_a_crash(client, world):
    """Found by schema fuzzing: ``year=0`` used to reach ``date(0, 1, 1)`` and answer 500."""
    for year in (0, -1, 10000):
        answer = await client.get(
            f"/api/v1/calendar/holidays?year={year}", headers=world.headers("grid_worker_a")
        )
        assert answer.status_code == 400, answer.text
        assert answer.json()["code"] == "validation_error"
        assert "year" in answer.json()["message"]
