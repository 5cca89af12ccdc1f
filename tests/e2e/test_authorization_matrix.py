"""Every route of the app × every persona against objects of street A / grid A.

The routes come from the app's own route table, so a route without an entry in
tests/authz_matrix.py fails here. A leak is a 2xx to a persona who must be refused, or any
2xx to an out-of-scope persona whose body carries street A's marker text; a 5xx is a failure
for everyone. One test loops over all pairs and reports every mismatch at once.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from backend.app import create_app
from backend.errors import DomainError
from community.services.discussion import post_comment
from grid.cases.tables import Case
from grid.services.centers import create_center
from grid.services.party import create_party_org
from grid.tables import GovernanceCenter, PartyOrgKind
from media.tables import Photo
from tests.authz_matrix import MATRIX, PERSONAS
from tests.cases_support import category_id, new_photos, report
from tests.estate import build_estate, open_matter
from tests.media_samples import phone_jpeg
from tests.mp_support import bind_resident, household_of, report_body, sign_in

MARKER = "AUTHZ甲街道标记"
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
OUT_OF_SCOPE = ("street_b_staff", "resident_b")
# Required query parameters: without them validation (400) would answer before authorization.
KPI_PERIOD = {"start": "2026-11-01", "end": "2026-11-25"}
QUERY = {
    "lookup": {"lon": "106.502", "lat": "29.502"},
    "kpis": KPI_PERIOD,
    "objects": {"exp": "4102444800", "sig": "forged"},
}
# Values for the fields a body must carry; a refusal must come from authorization, not from a
# missing field, so a 400 naming a missing field is answered by sending that field.
FIELDS: dict[str, Any] = {
    "kind": "unit",
    "rating": 5,
    "closes_at": "2026-12-31T00:00:00+08:00",
    "roll_entry_id": 1,
    "new_password": "Passw0rd-new-1",
    "owners": [],
    "code": "9999",
    "client_id": "authz-matrix",
    "time_unit": "working_days",
    "limits": {},
}
# Body fields naming an object: filled with the street-A object's id.
OBJECT_FIELDS = {"target_id": "unit_id", "into_case_id": "case_id", "unit_id": "unit_id"}
MISSING = re.compile(r"missing required field `(\w+)`")


def app_routes(settings: Any) -> list[tuple[str, str]]:
    """(METHOD, path template) of every handler the app serves."""
    found = set()
    for route in create_app(settings).routes:
        handlers = getattr(route, "route_handlers", None) or [route.route_handler]
        for handler in handlers:
            # a mounted ASGI app (piccolo-admin) is entered by GET; its inside is its own
            mounted = {"GET"} if getattr(handler, "is_mount", False) else ()
            for method in getattr(handler, "http_methods", None) or mounted:
                if method not in SKIPPED_METHODS:
                    found.add((method, route.path))
    return sorted(found)


def test_every_route_has_an_authorization_entry(settings):
    routes = app_routes(settings)
    missing = [r for r in routes if r not in MATRIX]
    stale = [r for r in MATRIX if r not in set(routes)]
    assert not missing, f"routes without an entry in tests/authz_matrix.py: {missing}"
    assert not stale, f"entries in tests/authz_matrix.py for routes that are gone: {stale}"
    assert len(routes) > 150


async def _street_a_objects(client, fake, world, settings) -> tuple[dict[str, str], dict]:
    """Path values naming street-A objects, and the personas' request headers."""
    estate_a = await build_estate(world, 2)
    estate_b = await build_estate(world, 1, micro="grid_b1_1_m1")
    resident_a = await sign_in(client, fake)
    await bind_resident(client, world, resident_a, estate_a.resident_ids[0])
    resident_b = await sign_in(client, fake)
    await bind_resident(client, world, resident_b, estate_b.resident_ids[0], staff="grid_worker_b")
    mine = await client.post("/mp/v1/reports", json=await report_body(), headers=resident_a)
    assert mine.status_code == 201, mine.text
    case_id = mine.json()["id"]
    await Case.update({Case.description: MARKER}).where(Case.id == case_id)
    matter = await open_matter(world, estate_a)
    try:
        comment_id = (await post_comment(world.actors["community_staff_a"], matter["id"], MARKER))[
            "id"
        ]
    except DomainError:
        comment_id = 999_999
    admin = world.actors["admin"]
    street_a = world.units["street_a"]
    center = (
        await GovernanceCenter.select(GovernanceCenter.id)
        .where(GovernanceCenter.unit == street_a)
        .first()
    )
    center_id = (
        center["id"]
        if center
        else (await create_center(admin, unit_id=street_a, name="甲街道中心")).id
    )
    org = await create_party_org(
        admin, name=f"{MARKER}党工委", kind=PartyOrgKind.street_working_committee, unit_id=street_a
    )
    photo_id = (await new_photos(world.actors["grid_worker_a"], settings))[0]
    photo = await Photo.select(Photo.image.display_key).where(Photo.id == photo_id).first()
    key = photo["image.display_key"]
    values = {
        "unit_id": str(world.units["grid_a1_1"]),
        "center_id": str(center_id),
        "department_id": str(world.department_id),
        "house_unit_id": str(estate_a.unit_ids[0]),
        "household_id": str(await household_of(estate_a.resident_ids[0])),
        "resident_id": str(estate_a.resident_ids[0]),
        "staff_id": str(world.staff["grid_worker_a"]),
        "org_id": str(org["id"]),
        "member_id": "999999",
        "photo_id": str(photo_id),
        "key": key,
        "matter_id": str(matter["id"]),
        "receipt": "0" * 16,
        "comment_id": str(comment_id),
        "case_id": str(case_id),
        "queue": "open",
        "category_id": str(await category_id("0101")),
        "day": "2026-10-01",
        "notification_id": "999999",
        "request_id": "999999",
        "client_id": "999999",
        "name": "services.json",
        "path": "openapi.yaml",
        "action": "claim",
        "file_path": "console.css",
    }
    headers = {p: world.headers(p) for p in PERSONAS if p in world.tokens}
    headers.update(anonymous={}, resident_a=resident_a, resident_b=resident_b)
    return values, headers


def concrete(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+):\w+\}", lambda m: values[m.group(1)], path)


def request_parts(method: str, path: str) -> dict[str, Any]:
    """A minimal body and the required query of a route: enough to reach authorization."""
    parts: dict[str, Any] = {}
    for word, query in QUERY.items():
        if f"/{word}" in path:
            parts["params"] = query
    if path.endswith("/photos") and method == "POST":
        parts["files"] = {"file": ("p.jpg", phone_jpeg(32, 24), "image/jpeg")}
    elif method in ("POST", "PUT", "PATCH"):
        parts["json"] = {}
    return parts


async def call(client, method, path, url, headers, values) -> Any:
    parts = request_parts(method, path)
    for _ in range(6):
        answer = await client.request(
            method, url, headers={**headers, "Accept-Language": "en"}, **parts
        )
        missing = MISSING.search(answer.text) if answer.status_code == 400 else None
        if missing is None or "json" not in parts:
            return answer
        field = missing.group(1)
        if field in OBJECT_FIELDS:
            parts["json"][field] = int(values[OBJECT_FIELDS[field]])
        else:
            parts["json"][field] = FIELDS.get(field, "x")
    return answer


def judge(expect: str, status: int, body: str, persona: str) -> str | None:
    """Why this answer breaks the matrix, or None."""
    if status >= 500:
        return "server error"
    if persona in OUT_OF_SCOPE and 200 <= status < 300 and MARKER in body:
        return "street-A data leaked"
    if expect == "401" and status != 401:
        return "expected 401"
    if expect == "denied" and status not in (403, 404):
        return "expected a refusal (403/404)"
    if expect == "ok" and status in (401, 403):
        return "expected to be allowed"
    if expect == "session" and status not in (303, 401, 403, 404):
        return "expected the sign-in page or a refusal"
    return None


async def test_no_persona_reaches_street_a_objects_outside_its_scope(
    mp_client, fake_wechat, world, settings
):
    values, headers = await _street_a_objects(mp_client, fake_wechat, world, settings)
    failures: list[str] = []
    tally: Counter[str] = Counter(leaks=0, server_errors=0)
    answers: Counter[str] = Counter()
    for method, path in app_routes(settings):
        url = concrete(path, values)
        for persona, expect in MATRIX[(method, path)].items():
            # writes are sent only to those who must be refused: the objects stay intact
            if method != "GET" and expect in ("ok", "any"):
                continue
            answer = await call(mp_client, method, path, url, headers[persona], values)
            tally["checked"] += 1
            tally["server_errors"] += answer.status_code >= 500
            answers[f"{expect}→{answer.status_code}"] += 1
            why = judge(expect, answer.status_code, answer.text, persona)
            if why:
                tally["leaks"] += why == "street-A data leaked" or (
                    expect in ("401", "denied", "session") and 200 <= answer.status_code < 300
                )
                failures.append(
                    f"{method} {path} as {persona}: {answer.status_code} — {why} {answer.text[:160]}"
                )
    print(f"authorization matrix: {dict(tally)}; answers by class: {sorted(answers.items())}")
    assert not failures, "\n".join(failures)


async def test_merging_a_case_into_itself_is_refused_as_not_found_outside_the_scope(client, world):
    case = await report(world, "grid_worker_a")
    outsider = await client.post(
        f"/api/v1/cases/{case['id']}/merge",
        json={"into_case_id": case["id"]},
        headers=world.headers("street_b_staff"),
    )
    assert outsider.status_code == 404, outsider.text
    assert outsider.json()["code"] == "not_found"
    insider = await client.post(
        f"/api/v1/cases/{case['id']}/merge",
        json={"into_case_id": case["id"]},
        headers=world.headers("street_a_staff"),
    )
    assert insider.status_code == 409 and insider.json()["code"] == "case_merge_invalid"
