"""Open311 POST and token flows over HTTP (httpx on the ASGI app), errors in the spec's shape,
contact fields kept private, and the admin key endpoints."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from backend.open311_clients import open_contact, request_of_case
from grid.cases.services.triage import reject_case
from grid.cases.tables import Case
from tests.cases_support import POINTS
from tests.media_samples import phone_jpeg
from tests.open311_support import check, new_key

BASE = "/open311/v2"


def form(key: str, **extra: Any) -> dict[str, Any]:
    lon, lat = POINTS["grid_a1_1"]
    return {
        "api_key": key,
        "service_code": "0101",
        "lat": str(lat),
        "long": str(lon),
        "description": "路口有一堆建筑垃圾",
        "email": "zhang@example.com",
        "phone": "13900000000",
        "first_name": "三",
        "last_name": "张",
        "device_id": "device-1",
        "attribute[volume]": "large",
        **extra,
    }


async def test_report_enters_through_intake_and_token_names_it(client, world) -> None:
    key = await new_key()
    response = await client.post(f"{BASE}/requests.json", data=form(key))
    assert response.status_code == 201, response.text
    made = check("post_response", response.json())[0]
    case = await Case.select().where(Case.id == int(made["service_request_id"])).first()
    assert case["channel"] == "open311" and case["reporter_kind"] == "external"
    assert case["state"] == "reported" and case["level"] == "grid"
    token = await client.get(f"{BASE}/tokens/{made['token']}.json")
    assert check("post_response", token.json())[0]["service_request_id"] == str(case["id"])
    stored = await request_of_case(case["id"])
    attributes = stored["attributes"]
    assert (json.loads(attributes) if isinstance(attributes, str) else attributes) == {
        "volume": "large"
    }
    assert "13900000000" not in stored["contact"]  # sealed at rest
    assert open_contact(stored["contact"]).phone == "13900000000"


async def test_same_device_and_client_token_returns_the_same_request(client, world) -> None:
    key = await new_key()
    body = form(key, client_token=uuid.uuid4().hex)
    first = await client.post(f"{BASE}/requests.json", data=body)
    again = await client.post(f"{BASE}/requests.json", data=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()


async def test_contact_fields_never_leave_through_public_reads(client, world) -> None:
    key = await new_key()
    made = (await client.post(f"{BASE}/requests.json", data=form(key))).json()[0]
    for fmt in ("json", "xml"):
        one = await client.get(f"{BASE}/requests/{made['service_request_id']}.{fmt}")
        listed = await client.get(f"{BASE}/requests.{fmt}")
        for text in (one.text, listed.text):
            assert made["service_request_id"] in text
            for private in ("zhang@example.com", "13900000000", "device-1", "张"):
                assert private not in text
    check("service_requests", (await client.get(f"{BASE}/requests.json")).json())


async def test_missing_or_revoked_key_is_403_in_the_spec_error_shape(client, world) -> None:
    refused = await client.post(f"{BASE}/requests.json", data=form("nope"))
    assert refused.status_code == 403
    check("errors", refused.json())
    issued = await client.post(
        "/api/v1/open311/clients/", json={"name": "city app"}, headers=world.headers("admin")
    )
    assert issued.status_code == 201, issued.text
    key, client_id = issued.json()["api_key"], issued.json()["client"]["id"]
    assert (await client.post(f"{BASE}/requests.json", data=form(key))).status_code == 201
    revoked = await client.post(
        f"/api/v1/open311/clients/{client_id}/revoke", headers=world.headers("admin")
    )
    assert revoked.json()["revoked_at"] is not None
    after = await client.post(f"{BASE}/requests.xml", data=form(key))
    assert after.status_code == 403
    root = ET.fromstring(after.content)  # noqa: S314 — our own answer
    assert root.tag == "errors" and root.find("error/code").text == "403"


async def test_only_admins_issue_keys(client, world) -> None:
    refused = await client.post(
        "/api/v1/open311/clients/", json={"name": "x"}, headers=world.headers("grid_leader_a")
    )
    assert refused.status_code == 403


async def test_bad_posts_are_400_with_a_reason(client, world) -> None:
    key = await new_key()
    cases = [
        {"service_code": "9999"},
        {"lat": "", "long": "", "address_string": ""},
        {"attribute[volume]": "enormous"},
        {"media_url": "file:///etc/passwd"},
        {"lat": "abc"},
    ]
    for extra in cases:
        response = await client.post(f"{BASE}/requests.json", data=form(key, **extra))
        assert response.status_code == 400, (extra, response.text)
        check("errors", response.json())


async def test_media_url_is_stored_as_a_reference_and_shown(client, world) -> None:
    key = await new_key()
    url = "https://photos.example.org/a.jpg"
    made = (await client.post(f"{BASE}/requests.json", data=form(key, media_url=url))).json()[0]
    shown = (await client.get(f"{BASE}/requests/{made['service_request_id']}.json")).json()[0]
    assert shown["media_url"] == url


async def test_requests_filter_by_status_code_and_window(client, world) -> None:
    key = await new_key()
    made = (await client.post(f"{BASE}/requests.json", data=form(key))).json()[0]
    rid = made["service_request_id"]

    async def ids(**params: str) -> list[str]:
        response = await client.get(f"{BASE}/requests.json", params=params)
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in check("service_requests", response.json())]

    assert rid in await ids(status="open")
    assert rid not in await ids(status="closed")
    assert rid in await ids(service_code="0101,0102")
    assert rid not in await ids(service_code="0102")
    assert await ids(service_request_id=rid) == [rid]
    extended = (await client.get(f"{BASE}/requests/{rid}.json?extensions=true")).json()[0]
    assert extended["status"] == "OPEN" and extended["expected_datetime"]
    assert extended["agency_responsible"]
    too_wide = await client.get(
        f"{BASE}/requests.json",
        params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
    )
    assert too_wide.status_code == 400
    assert (await client.get(f"{BASE}/requests/999999999.json")).status_code == 404
    assert (await client.get(f"{BASE}/services/nope.json")).status_code == 404


async def test_uploaded_media_is_linked_to_the_case(client, world) -> None:
    key = await new_key()
    photo = phone_jpeg(400, 300, orientation=1)
    response = await client.post(
        f"{BASE}/requests.json",
        data=form(key),
        files={"media": ("street.jpg", photo, "image/jpeg")},
    )
    assert response.status_code == 201, response.text
    case_id = int(response.json()[0]["service_request_id"])
    case = await Case.select(Case.photo_ids).where(Case.id == case_id).first()
    photo_ids = case["photo_ids"]
    assert len(json.loads(photo_ids) if isinstance(photo_ids, str) else photo_ids) == 1


async def test_an_address_without_a_point_is_refused_with_the_reason(client, world) -> None:
    key = await new_key()
    response = await client.post(
        f"{BASE}/requests.json", data=form(key, lat="", long="", address_string="幸福路 8 号")
    )
    assert response.status_code == 400
    assert "case_location_missing" in check("errors", response.json())[0]["description"]


async def test_status_follows_the_case_and_reads_extended_when_asked(client, world) -> None:
    key = await new_key()
    rid = (await client.post(f"{BASE}/requests.json", data=form(key))).json()[0][
        "service_request_id"
    ]
    await reject_case(world.actors["grid_leader_a"], int(rid), "不属于本网格管辖")
    plain = (await client.get(f"{BASE}/requests/{rid}.json")).json()[0]
    assert (plain["status"], plain["status_notes"]) == ("closed", "不属于本网格管辖")
    extended = (await client.get(f"{BASE}/requests/{rid}.json?extensions=1")).json()[0]
    assert extended["status"] == "NO_FURTHER_ACTION"
    closed = await client.get(f"{BASE}/requests.json", params={"status": "NO_FURTHER_ACTION"})
    assert rid in [r["service_request_id"] for r in closed.json()]


async def test_xml_carries_user_text_escaped(client, world) -> None:
    key = await new_key()
    text = "<b>井盖</b> & \"quotes\" 'here' ]]>"
    rid = (await client.post(f"{BASE}/requests.json", data=form(key, description=text))).json()[0][
        "service_request_id"
    ]
    response = await client.get(f"{BASE}/requests/{rid}.xml")
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 — our own answer
    assert root.find("request/description").text == text


async def test_odd_ids_and_urls_are_client_errors(client, world) -> None:
    key = await new_key()
    assert (await client.get(f"{BASE}/requests/²³.json")).status_code == 404
    odd_ids = await client.get(f"{BASE}/requests.json", params={"service_request_id": "1,²"})
    assert odd_ids.status_code == 400
    odd_url = await client.post(f"{BASE}/requests.json", data=form(key, media_url="http://[::1"))
    assert odd_url.status_code == 400
    check("errors", odd_url.json())
