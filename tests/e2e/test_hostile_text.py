"""SQL and HTML injection strings in every text field of every JSON write operation.

The fields come from the app's own OpenAPI document: every string property (at any depth)
of every POST/PUT/PATCH JSON body that is not an enum, a date or a binary, so a new field is
attacked without editing this file, and a new write operation fails
``test_every_write_operation_with_text_fields_has_a_recipe`` until it gets one. Each field
gets each payload (marked with a unique tag); the other fields carry ordinary values.

Judged per request: never a 5xx; a 4xx is the ``{code, message, data}`` envelope; a 2xx
stored the payload verbatim (found unaltered in a database column or in the answer). Judged
per operation: no table lost a row. At the end: the rows the test did not aim at (the
world's units, accounts and a sentinel case) are as they were.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from backend import clock
from backend.app import create_app
from grid.cases.tables import Case
from grid.tables import OrgUnit, StaffAccount
from tests.cases_support import POINTS, category_id, report
from tests.estate import build_estate, open_matter
from tests.hostile_support import all_tables, table_counts
from tests.mp_support import bind_resident, household_of, sign_in

PAYLOADS = [
    "' OR '1'='1' --",
    "'); DROP TABLE case_record; DELETE FROM staff_account; -- \\",
    "' UNION SELECT password_hash FROM staff_account --",
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)> javascript:alert(1)//',
    "{{7*7}} ${7*7} %s %n \\x00 `id` 中文\u202e",
    # longer than any column, with a NUL that PostgreSQL cannot store in text
    "' OR 1=1 --\u0000" + "长" * 5000,
]
WRITE_METHODS = {"post", "put", "patch"}
SKIP_FORMATS = {"date", "date-time", "binary", "uuid"}
#: Operations that read or check a text without storing it: a 2xx need not show it back.
NOT_STORED = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/password"),
    ("POST", "/api/v1/residents/search"),
    ("POST", "/mp/v1/auth/login"),
    ("POST", "/mp/v1/bind/resident"),
    ("POST", "/mp/v1/bind/staff"),
    ("POST", "/api/v1/staff/{staff_id}/password"),
}
#: Fields stored only as a hash (never shown back).
SECRET_FIELDS = {"password", "new_password", "old_password"}
#: Free-text fields that must come back verbatim: proves the run is not refusals only.
MUST_STORE = {
    ("POST", "/api/v1/cases", "description"),
    ("POST", "/api/v1/cases", "address"),
    ("POST", "/api/v1/matters", "title"),
    ("POST", "/api/v1/matters", "body"),
    ("POST", "/api/v1/matters/{matter_id}/comments", "body"),
    ("POST", "/api/v1/categories", "name"),
    ("POST", "/api/v1/departments", "name"),
    ("POST", "/api/v1/centers", "name"),
    ("POST", "/api/v1/party-orgs", "name"),
    ("POST", "/api/v1/house-units", "building"),
    ("POST", "/api/v1/residents", "name"),
    ("POST", "/api/v1/staff", "display_name"),
    ("POST", "/api/v1/open311/clients", "name"),
    ("PATCH", "/api/v1/units/{unit_id}", "name"),
    ("POST", "/mp/v1/reports", "description"),
    ("POST", "/mp/v1/matters/{matter_id}/comments", "body"),
    ("POST", "/mp/v1/worker/patrols", "note"),
    ("POST", "/mp/v1/bind/requests", "name"),
}


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while True:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[1]]
        elif len(schema.get("allOf", [])) == 1:
            schema = schema["allOf"][0]
        elif "oneOf" in schema or "anyOf" in schema:
            options = [
                s for s in schema.get("oneOf", schema.get("anyOf")) if s.get("type") != "null"
            ]
            schema = options[0]
        else:
            return schema


def text_fields(schema: dict[str, Any], components: dict[str, Any], at: str = "") -> list[str]:
    """Dotted paths of the free-text strings of a body schema (``owners[].name``)."""
    schema = _resolve(schema, components)
    kind = schema.get("type")
    if kind == "object":
        found: list[str] = []
        for name, sub in schema.get("properties", {}).items():
            found += text_fields(sub, components, f"{at}.{name}" if at else name)
        return found
    if kind == "array":
        return text_fields(schema["items"], components, f"{at}[]")
    if kind == "string" and "enum" not in schema and schema.get("format") not in SKIP_FORMATS:
        return [at]
    return []


def write_operations(app: Any) -> dict[tuple[str, str], list[str]]:
    document = app.openapi_schema.to_schema()
    components = document["components"]["schemas"]
    found = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if method in WRITE_METHODS and "application/json" in content:
                fields = text_fields(content["application/json"]["schema"], components)
                if fields:
                    found[(method.upper(), path)] = fields
    return found


@dataclass
class Objects:
    """What the recipes point at, made once for the run."""

    ids: dict[str, int] = field(default_factory=dict)
    world_units: list[int] = field(default_factory=list)
    #: Fresh cases for operations that use one up per request.
    pool: list[int] = field(default_factory=list)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


_serial = iter(range(600, 10_000))
_minor = iter(range(40, 100))


def unique() -> str:
    return uuid.uuid4().hex[:10]


def recipes(o: Objects) -> dict[tuple[str, ...], tuple[str, Any]]:
    """(persona, body factory) per operation: the factory gives ordinary values for every
    field the operation needs; the attacked field is then overwritten."""
    i = o.ids
    lon, lat = POINTS["grid_a1_1"]
    case = {"version": 1}
    return {
        ("POST", "/api/v1/auth/login"): ("anonymous", lambda: {"username": "u", "password": "p"}),
        ("POST", "/api/v1/auth/password"): (
            "grid_worker_a2",
            lambda: {"old_password": "wrong-old-password", "new_password": "x"},
        ),
        ("PUT", "/api/v1/calendar/holidays/{day}"): ("admin", lambda: {"name": "节日"}),
        ("POST", "/api/v1/cases"): (
            "grid_worker_a",
            lambda: {
                "category_id": i["category"],
                "client_id": unique(),
                "description": "垃圾",
                "address": "一号楼",
                "lon": lon,
                "lat": lat,
            },
        ),
        **{
            ("POST", f"/api/v1/cases/{{case_id}}/{action}"): (
                "street_a_staff",
                lambda extra=extra: {**case, **extra},
            )
            for action, extra in {
                "close": {"reason": "r"},
                "dispatch": {"kind": "unit", "target_id": i["grid"], "reason": "r"},
                "escalate": {"reason": "r"},
                "evaluate": {"rating": 5, "comment": "c"},
                "handle": {"note": "n"},
                "merge": {"into_case_id": i["other_case"], "reason": "r"},
                "reject": {"reason": "r"},
                "rework": {"reason": "r"},
                "send-down": {"unit_id": i["grid"], "reason": "r"},
                "verify": {"note": "n"},
            }.items()
        },
        ("POST", "/api/v1/categories"): (
            "admin",
            lambda: {
                "code": f"01{next(_minor):02d}",
                "name": "类别",
                "name_en": "Category",
                "limits": {"grid": 1},
                "time_unit": "working_days",
            },
        ),
        ("PATCH", "/api/v1/categories/{category_id}"): ("admin", lambda: {"name": "类别"}),
        ("POST", "/api/v1/centers"): (
            "admin",
            lambda: {"name": "中心", "phone": "023-12345678", "unit_id": i["unit"]},
        ),
        ("PATCH", "/api/v1/centers/{center_id}"): ("admin", lambda: {"name": "中心"}),
        ("POST", "/api/v1/comments/{comment_id}/hide"): (
            "community_staff_a",
            lambda: {"reason": "r"},
        ),
        ("POST", "/api/v1/departments"): (
            "admin",
            lambda: {
                "code": f"HX-{unique()}",
                "kind": "housing",
                "name": "部门",
                "unit_id": i["district"],
            },
        ),
        ("PATCH", "/api/v1/departments/{department_id}"): ("admin", lambda: {"name": "部门"}),
        ("POST", "/api/v1/house-units"): (
            "admin",
            lambda: {
                "building": "1栋",
                "room": f"R{unique()}",
                "entrance": "1单元",
                "address": "一号路",
                "exclusive_area": "88.50",
                "micro_grid_id": i["micro"],
            },
        ),
        ("PATCH", "/api/v1/house-units/{house_unit_id}"): ("admin", lambda: {"address": "路"}),
        ("PUT", "/api/v1/house-units/{house_unit_id}/owners"): (
            "admin",
            lambda: {"owners": [{"name": "业主", "phone": "13800138000"}]},
        ),
        ("POST", "/api/v1/house-units/{house_unit_id}/owners/reveal"): (
            "admin",
            lambda: {"reason": "核对"},
        ),
        ("POST", "/api/v1/matters"): (
            "community_staff_a",
            lambda: {
                "title": "议题",
                "body": "内容",
                "kind": "opinion_poll",
                "poll_unit": "resident",
                "scope_kind": "community",
                "unit_id": i["community"],
            },
        ),
        **{
            ("POST", f"/api/v1/matters/{{matter_id}}/{action}"): (
                "community_staff_a",
                lambda extra=extra: {"reason": "r", **extra},
            )
            for action, extra in {
                "close-voting": {},
                "open-discussion": {},
                "open-voting": {"closes_at": (clock.now() + timedelta(days=3)).isoformat()},
                "publish": {},
                "publish-result": {},
                "withdraw": {},
            }.items()
        },
        ("POST", "/api/v1/matters/{matter_id}/comments"): (
            "community_staff_a",
            lambda: {"body": "评论"},
        ),
        ("POST", "/api/v1/matters/{matter_id}/revise"): (
            "community_staff_a",
            lambda: {"title": "议题", "body": "内容", "change_note": "改"},
        ),
        ("POST", "/api/v1/mp/binding-requests/{request_id}/deny"): (
            "community_staff_a",
            lambda: {"reason": "r"},
        ),
        ("POST", "/api/v1/open311/clients"): ("admin", lambda: {"name": "客户端"}),
        ("POST", "/api/v1/party-orgs"): (
            "admin",
            lambda: {
                "kind": "street_working_committee",
                "name": "党工委",
                "unit_id": i["unit"],
            },
        ),
        ("POST", "/api/v1/party-orgs/{org_id}/members"): ("admin", lambda: {"name": "党员"}),
        ("POST", "/api/v1/residents"): (
            "admin",
            lambda: {"household_id": i["household"], "name": "居民", "relation": "子女"},
        ),
        ("POST", "/api/v1/residents/search"): ("admin", lambda: {"name": "居民"}),
        ("PATCH", "/api/v1/residents/{resident_id}"): ("admin", lambda: {"relation": "子女"}),
        ("POST", "/api/v1/residents/{resident_id}/reveal"): ("admin", lambda: {"reason": "核对"}),
        ("POST", "/api/v1/residents/{resident_id}/data-export"): (
            "admin",
            lambda: {"reason": "本人申请"},
        ),
        # confirm stays false: the attacked reason must not erase the shared test resident
        ("POST", "/api/v1/residents/{resident_id}/data-erasure"): (
            "admin",
            lambda: {"reason": "本人申请", "confirm": False},
        ),
        ("POST", "/api/v1/staff"): (
            "admin",
            lambda: {
                "username": f"hx_{unique()}",
                "display_name": "员工",
                "password": "Hostile-Passw0rd-1",
                "phone": "13800138000",
                "grants": [{"role": "grid_worker", "unit_id": i["grid"]}],
            },
        ),
        ("POST", "/api/v1/staff/{staff_id}/password"): (
            "street_b_staff",
            lambda: {"new_password": "x"},
        ),
        ("POST", "/api/v1/triage/bulk"): (
            "street_a_staff",
            lambda: {
                "action": "reject",
                "case_ids": [o.pool.pop() if o.pool else i["case"]],
                "reason": "r",
            },
        ),
        ("POST", "/api/v1/units"): (
            "admin",
            lambda: {
                "code": f"500103{next(_serial):03d}000",
                "level": "street",
                "name": "街道",
                "parent_id": i["district"],
            },
        ),
        ("PATCH", "/api/v1/units/{unit_id}"): ("admin", lambda: {"name": "街道"}),
        # fields read only in one kind of matter get a body of that kind
        ("POST", "/api/v1/matters", "candidates[]"): (
            "community_staff_a",
            lambda: {
                "title": "选举",
                "body": "内容",
                "kind": "committee_election",
                "seats": 1,
                "scope_kind": "community",
                "unit_id": i["community"],
            },
        ),
        ("POST", "/api/v1/matters", "building"): (
            "community_staff_a",
            lambda: {
                "title": "议题",
                "body": "内容",
                "kind": "opinion_poll",
                "poll_unit": "resident",
                "scope_kind": "building",
                "unit_id": i["micro"],
            },
        ),
        ("POST", "/mp/v1/auth/login"): ("anonymous", lambda: {"code": "x"}),
        ("POST", "/mp/v1/bind/requests"): (
            "mp_new",
            lambda: {"house_unit_id": i["house_unit"], "name": "张三", "note": "租户"},
        ),
        ("POST", "/mp/v1/bind/resident"): ("mp_new", lambda: {"code": "K7M2-Q9XD", "name": "张"}),
        ("POST", "/mp/v1/bind/staff"): ("mp_new", lambda: {"code": "H4TR-8WQP"}),
        ("POST", "/mp/v1/matters/{matter_id}/comments"): ("mp_resident", lambda: {"body": "评论"}),
        ("POST", "/mp/v1/me/data/export"): ("mp_resident", lambda: {"reason": "查阅"}),
        ("POST", "/mp/v1/me/data/erase"): (
            "mp_resident",
            lambda: {"reason": "注销", "confirm": False},
        ),
        ("POST", "/mp/v1/reports"): (
            "mp_resident",
            lambda: {
                "category_id": i["category"],
                "client_id": unique(),
                "description": "垃圾",
                "address": "一号楼",
                "lon": lon,
                "lat": lat,
                "coord_system": "wgs84",
            },
        ),
        ("POST", "/mp/v1/reports/{case_id}/rate"): ("mp_resident", lambda: {"rating": 5}),
        ("POST", "/mp/v1/reports/{case_id}/reject"): ("mp_resident", lambda: {"reason": "r"}),
        **{
            ("POST", f"/mp/v1/worker/cases/{{case_id}}/{action}"): (
                "mp_worker",
                lambda extra=extra: {"version": 1, **extra},
            )
            for action, extra in {
                "escalate": {"reason": "r"},
                "handle": {"note": "n"},
                "notes": {"note": "n"},
                "verify": {"note": "n"},
            }.items()
        },
        ("POST", "/mp/v1/worker/patrols"): (
            "mp_worker",
            lambda: {
                "client_id": unique(),
                "note": "走访",
                "place": "一号楼",
                "unit_id": i["grid"],
                "lon": lon,
                "lat": lat,
                "coord_system": "wgs84",
            },
        ),
    }


def set_field(body: dict[str, Any], path: str, value: str) -> dict[str, Any]:
    """Put ``value`` at a dotted path, creating the one-element list an ``[]`` step needs."""
    target: Any = body
    steps = path.split(".")
    for n, step in enumerate(steps):
        last = n == len(steps) - 1
        name, is_list = step.removesuffix("[]"), step.endswith("[]")
        if is_list:
            items = target.setdefault(name, [])
            if last:
                target[name] = [value, "另一个"]
                return body
            if not items:
                items.append({})
            target = items[0]
        elif last:
            target[name] = value
        else:
            target = target.setdefault(name, {})
    return body


async def build_objects(client: Any, fake: Any, world: Any) -> Objects:
    o = Objects(world_units=sorted(world.units.values()))
    estate = await build_estate(world, 2)
    matter = await open_matter(world, estate, frozen=False)
    o.ids |= {
        "category": await category_id("0101"),
        "grid": world.units["grid_a1_1"],
        "micro": world.units["grid_a1_1_m1"],
        "community": world.units["community_a1"],
        "district": world.units["district"],
        "house_unit": estate.unit_ids[0],
        "household": await household_of(estate.resident_ids[0]),
        "resident": estate.resident_ids[0],
        "matter": matter["id"],
        "case": (await report(world))["id"],
        "other_case": (await report(world))["id"],
        "sentinel_case": (await report(world))["id"],
    }
    o.pool = [(await report(world))["id"] for _ in range(2 * len(PAYLOADS))]
    o.headers = {p: world.headers(p) for p in world.tokens}
    o.headers["anonymous"] = {}
    o.headers["mp_new"] = await sign_in(client, fake)
    o.headers["mp_resident"] = await sign_in(client, fake)
    await bind_resident(client, world, o.headers["mp_resident"], estate.resident_ids[1])
    o.headers["mp_worker"] = await sign_in(client, fake)
    code = await client.post("/api/v1/mp/staff-codes", headers=world.headers("grid_worker_a"))
    bound = await client.post(
        "/mp/v1/bind/staff", json={"code": code.json()["code"]}, headers=o.headers["mp_worker"]
    )
    assert bound.status_code == 200, bound.text
    admin = world.headers("admin")
    made = {
        "center": await client.post(
            "/api/v1/centers",
            json={"name": "注入测试中心", "unit_id": world.units["street_a"]},
            headers=admin,
        ),
        "org": await client.post(
            "/api/v1/party-orgs",
            json={"kind": "grid_branch", "name": "注入测试支部", "unit_id": o.ids["grid"]},
            headers=admin,
        ),
        "comment": await client.post(
            f"/api/v1/matters/{matter['id']}/comments",
            json={"body": "注入测试评论"},
            headers=world.headers("community_staff_a"),
        ),
        "unit": await client.post(
            "/api/v1/units",
            json={
                "code": f"500103{next(_serial):03d}000",
                "level": "street",
                "name": "注入测试街道",
                "parent_id": world.units["district"],
            },
            headers=admin,
        ),
        "new_category": await client.post(
            "/api/v1/categories",
            json={
                "code": "9899",
                "name": "注入测试类别",
                "limits": {"grid": 1},
                "time_unit": "working_days",
            },
            headers=admin,
        ),
        "department": await client.post(
            "/api/v1/departments",
            json={
                "code": f"HX-{unique()}",
                "kind": "housing",
                "name": "注入测试部门",
                "unit_id": world.units["district"],
            },
            headers=admin,
        ),
    }
    for name, answer in made.items():
        o.ids[name] = answer.json()["id"] if answer.status_code < 300 else 999_999
    o.ids["discussed"] = await _matter_in_discussion(client, world)
    return o


async def _matter_in_discussion(client: Any, world: Any) -> int:
    staff = world.headers("community_staff_a")
    created = await client.post(
        "/api/v1/matters",
        json={
            "title": "讨论中的议题",
            "body": "内容",
            "kind": "opinion_poll",
            "poll_unit": "resident",
            "scope_kind": "community",
            "unit_id": world.units["community_a1"],
            "notice_days": 0,
        },
        headers=staff,
    )
    assert created.status_code == 201, created.text
    matter_id = created.json()["id"]
    for step in ("publish", "open-discussion"):
        moved = await client.post(f"/api/v1/matters/{matter_id}/{step}", json={}, headers=staff)
        assert moved.status_code < 300, moved.text
    return int(matter_id)


def concrete(path: str, o: Objects) -> str:
    names = {
        "case_id": "case",
        "matter_id": "matter",
        "category_id": "new_category",
        "center_id": "center",
        "comment_id": "comment",
        "department_id": "department",
        "house_unit_id": "house_unit",
        "resident_id": "resident",
        "org_id": "org",
        "staff_id": "admin_id",
        "unit_id": "unit",
        "request_id": "request",
    }
    return re.sub(
        r"\{(\w+)(?::\w+)?\}",
        lambda m: (
            "2026-12-25" if m.group(1) == "day" else str(o.ids.get(names[m.group(1)], 999_999))
        ),
        path,
    )


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return [value]
        return [value, *strings_in(decoded)] if not isinstance(decoded, str) else [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


async def stored_texts(tag: str) -> list[str]:
    """Every text (or JSON) column value in the database that carries ``tag``."""
    found: list[str] = []
    for table in all_tables():
        for column in table._meta.columns:
            if column.value_type not in (str, dict, list) and "JSON" not in type(column).__name__:
                continue
            name = column._meta.db_column_name
            rows = await table.raw(
                f'SELECT "{name}" AS v FROM "{table._meta.tablename}" '
                f'WHERE CAST("{name}" AS TEXT) LIKE {{}}',
                f"%{tag}%",
            )
            found += [s for r in rows for s in strings_in(r["v"])]
    return found


def test_every_write_operation_with_text_fields_has_a_recipe(settings):
    operations = write_operations(create_app(settings))
    missing = sorted(set(operations) - set(recipes(Objects(ids=defaultdict(int)))))  # type: ignore[arg-type]
    assert not missing, f"write operations with text fields and no recipe here: {missing}"


async def test_injection_strings_in_every_text_field_are_stored_verbatim_or_refused_cleanly(
    mp_client, fake_wechat, world, settings
):
    client = mp_client
    operations = write_operations(create_app(settings))
    o = await build_objects(client, fake_wechat, world)
    o.ids["admin_id"] = world.staff["admin"]
    book = recipes(o)
    sentinel_rows = await _sentinels(o)
    failures: list[str] = []
    tally: Counter[str] = Counter()
    stored_fields: set[tuple[str, str, str]] = set()
    run = f"HX{uuid.uuid4().hex[:8]}"
    accepted: list[tuple[str, str, str, str, Any]] = []
    refusals: dict[tuple[str, str, str], Counter[str]] = {}
    for (method, path), fields in sorted(operations.items()):
        url = concrete(path, o)
        if path.endswith("/comments") and "matters" in path:
            url = url.replace(f"/{o.ids['matter']}/", f"/{o.ids['discussed']}/")
        before = await table_counts()
        for field_path in fields:
            persona, body_of = book.get((method, path, field_path), book[(method, path)])
            for n, payload in enumerate(PAYLOADS):
                text = f"{run}-{tally['requests']:05d}{payload}"
                body = set_field(body_of(), field_path, text)
                answer = await client.request(method, url, json=body, headers=o.headers[persona])
                tally["requests"] += 1
                where = f"{method} {path} {field_path} payload {n}"
                if answer.status_code >= 500:
                    tally["server_errors"] += 1
                    failures.append(f"{where}: {answer.status_code} {answer.text[:200]}")
                elif answer.status_code >= 400:
                    tally["refused_4xx"] += 1
                    shape = answer.json() if answer.content else {}
                    refusals.setdefault((method, path, field_path), Counter())[
                        f"{answer.status_code} {shape.get('code')} {shape.get('data')}"[:160]
                    ] += 1
                    if set(shape) != {"code", "message", "data"}:
                        failures.append(f"{where}: 4xx without the envelope {answer.text[:200]}")
                else:
                    tally["accepted_2xx"] += 1
                    accepted.append((method, path, field_path, text, answer))
        after = await table_counts()
        lost = {t: (before[t], after[t]) for t in before if after[t] < before[t]}
        if lost:
            failures.append(f"{method} {path}: tables lost rows {lost}")
    stored = await stored_texts(run)
    for method, path, field_path, text, answer in accepted:
        if (method, path) in NOT_STORED or field_path.rsplit(".", 1)[-1] in SECRET_FIELDS:
            continue
        echoed = strings_in(answer.json()) if answer.content else []
        if any(text in s for s in echoed) or any(text in s for s in stored):
            tally["stored_verbatim"] += 1
            stored_fields.add((method, path, field_path))
        else:
            failures.append(f"{method} {path} {field_path}: accepted but not stored verbatim")
    missing = sorted(MUST_STORE - stored_fields)
    if missing:
        failures.append(f"free-text fields never stored verbatim: {missing}")
        failures += [f"  refusals of {m}: {dict(refusals.get(m, {}))}" for m in missing]
    if await _sentinels(o) != sentinel_rows:
        failures.append("rows the test did not aim at changed")
    fields_total = sum(len(f) for f in operations.values())
    print(
        f"injection: {len(operations)} operations, {fields_total} text fields × "
        f"{len(PAYLOADS)} payloads; {dict(tally)}; fields stored verbatim: {len(stored_fields)}"
    )
    assert not failures, "\n".join(failures[:60])


async def _sentinels(o: Objects) -> list[Any]:
    """Rows no recipe aims at: the world's units and accounts, and a case left alone."""
    return [
        await OrgUnit.select(OrgUnit.id, OrgUnit.name, OrgUnit.code)
        .where(OrgUnit.id.is_in(o.world_units))
        .order_by(OrgUnit.id),
        await StaffAccount.select(
            StaffAccount.id, StaffAccount.username, StaffAccount.password_hash
        )
        .order_by(StaffAccount.id)
        .where(StaffAccount.username.like("t_%")),
        await Case.select(Case.id, Case.description, Case.state).where(
            Case.id == o.ids["sentinel_case"]
        ),
    ]
