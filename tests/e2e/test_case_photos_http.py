"""Case photos over HTTP: a report sent with only a GPS photo, its detail with time-limited
links, and street B's staff kept out of street A's case photo."""

from __future__ import annotations

import uuid

from tests.cases_support import POINTS, category_id
from tests.media_samples import phone_jpeg


async def test_a_photo_only_report_over_http_shows_its_photo_to_the_case_readers(client, world):
    lon, lat = POINTS["grid_a1_2"]
    upload = await client.post(
        "/api/v1/media/photos/",
        files={
            "file": ("IMG.jpg", phone_jpeg(640, 480, seed=7301, lon=lon, lat=lat), "image/jpeg")
        },
        headers=world.headers("grid_worker_a"),
    )
    assert upload.status_code == 201, upload.text
    photo_id = upload.json()["id"]
    body = {
        "category_id": await category_id("0101"),
        "description": "只有照片，没有定位",
        "client_id": uuid.uuid4().hex,
        "photo_ids": [photo_id],
    }
    reported = await client.post("/api/v1/cases", json=body, headers=world.headers("grid_worker_a"))
    assert reported.status_code == 201, reported.text
    case = reported.json()
    assert case["home_unit_id"] == world.units["grid_a1_2"] and case["coord_system"] == "wgs84"
    assert case["photo_ids"] == [photo_id]

    url = f"/api/v1/cases/{case['id']}"
    detail = await client.get(url, headers=world.headers("street_a_staff"))
    assert detail.status_code == 200
    [photo] = detail.json()["photos"]["report"]
    assert photo["id"] == photo_id and photo["urls_expire_at"]
    thumb = await client.get(photo["thumb_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert (
        await client.get(
            f"/api/v1/media/photos/{photo_id}", headers=world.headers("street_a_staff")
        )
    ).status_code == 200

    for path in (url, f"/api/v1/media/photos/{photo_id}"):
        hidden = await client.get(path, headers=world.headers("street_b_staff"))
        assert hidden.status_code == 404, path


async def test_a_report_with_someone_elses_photo_is_refused_over_http(client, world):
    upload = await client.post(
        "/api/v1/media/photos/",
        files={"file": ("b.jpg", phone_jpeg(320, 240, seed=7302), "image/jpeg")},
        headers=world.headers("grid_worker_b"),
    )
    lon, lat = POINTS["grid_a1_1"]
    body = {
        "category_id": await category_id("0101"),
        "description": "别人的照片",
        "client_id": uuid.uuid4().hex,
        "lon": lon,
        "lat": lat,
        "photo_ids": [upload.json()["id"]],
    }
    refused = await client.post("/api/v1/cases", json=body, headers=world.headers("grid_worker_a"))
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
