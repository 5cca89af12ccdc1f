"""piccolo-admin under /console/admin: only root admins get in, and every edit keeps the
domain's rules (the same checks the JSON API's services run)."""

from __future__ import annotations

import json

from backend.console.session import SESSION_COOKIE
from backend.http.admin_gate import ADMIN_PATH
from grid.cases.services.categories import get_category
from grid.cases.tables import Category, Holiday
from grid.tables import Department

API = ADMIN_PATH + "/api/tables"
CSRF = "csrf-test-token"


def as_(world: object, persona: str | None) -> dict[str, str]:
    """Headers of a browser signed in to the console as ``persona`` (piccolo's CSRF pair)."""
    cookies = {"csrftoken": CSRF}
    if persona is not None:
        cookies[SESSION_COOKIE] = world.tokens[persona]  # type: ignore[attr-defined]
    return {
        "X-CSRFToken": CSRF,
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "Accept-Language": "en",
    }


async def _minor(code: str) -> int:
    row = await Category.select(Category.id).where(Category.code == code).first()
    return row["id"]


async def test_root_admin_opens_the_admin_site_and_reads_categories(client, world):
    page = await client.get(ADMIN_PATH + "/", headers=as_(world, "admin"))
    assert page.status_code == 200 and "<!DOCTYPE html>" in page.text
    rows = await client.get(f"{API}/case_category/?__page_size=100", headers=as_(world, "admin"))
    assert rows.status_code == 200
    assert "0101" in {r["code"] for r in rows.json()["rows"]}
    me = await client.get(ADMIN_PATH + "/api/user/", headers=as_(world, "admin"))
    assert (
        me.json()["username"] == world.actors["admin"].name
    )  # our staff member, not a piccolo user


async def test_staff_who_are_not_admins_are_refused(client, world):
    for persona in ("street_a_staff", "grid_worker_a", "department_handler"):
        page = await client.get(ADMIN_PATH + "/", headers=as_(world, persona))
        assert page.status_code == 403, persona
        assert page.json()["code"] == "forbidden"
        api = await client.get(f"{API}/case_category/", headers=as_(world, persona))
        assert api.status_code == 403, persona


async def test_without_a_session_the_page_sends_to_the_console_login(client, world):
    page = await client.get(ADMIN_PATH + "/", headers=as_(world, None))
    assert page.status_code == 303
    assert page.headers["location"].startswith("/console/login?next=")
    api = await client.get(f"{API}/case_category/", headers=as_(world, None))
    assert api.status_code == 401
    stale = as_(world, None)
    stale["Cookie"] += f"; {SESSION_COOKIE}=not-a-token"
    assert (await client.get(f"{API}/case_category/", headers=stale)).status_code == 401


async def test_bearer_header_alone_does_not_open_the_admin_site(client, world):
    headers = {**as_(world, None), **world.headers("admin")}
    assert (await client.get(f"{API}/case_category/", headers=headers)).status_code == 401


async def test_piccolo_admin_own_login_and_password_pages_are_closed(client, world):
    for path in ("/public/login/", "/public/logout/", "/api/change-password/"):
        answer = await client.post(ADMIN_PATH + path, headers=as_(world, "admin"), json={})
        assert answer.status_code == 404, path


async def test_category_edit_keeps_the_ladder_rules_and_derives_first_level(client, world):
    cid = await _minor("0106")
    url = f"{API}/case_category/{cid}/"
    bad = await client.patch(url, headers=as_(world, "admin"), json={"limits": '{"grid": 0}'})
    assert bad.status_code == 400
    assert "limits" in bad.json()["detail"]  # the domain's message, shown by the admin UI
    fixed = await client.patch(url, headers=as_(world, "admin"), json={"code": "0199"})
    assert fixed.status_code == 400 and "code（" in fixed.json()["detail"]
    derived = await client.patch(url, headers=as_(world, "admin"), json={"first_level": "city"})
    assert derived.status_code == 400  # first_level follows the limits, never set by hand

    limits = {"community": 2, "street": 4, "district": 8, "city": 16}
    good = await client.patch(url, headers=as_(world, "admin"), json={"limits": json.dumps(limits)})
    assert good.status_code == 200, good.text
    stored = await get_category(cid)  # the admin gate forgets the cached taxonomy after a write
    assert stored.limits == limits and stored.first_level == "community"


async def test_whole_row_resubmitted_by_the_edit_form_is_accepted_when_unchanged(client, world):
    cid = await _minor("0105")
    url = f"{API}/case_category/{cid}/"
    row = (await client.get(url, headers=as_(world, "admin"))).json()
    row.pop("id")
    row["name"] = "非法小广告（张贴）"
    answer = await client.patch(url, headers=as_(world, "admin"), json=row)
    assert answer.status_code == 200, answer.text
    assert (await get_category(cid)).name == "非法小广告（张贴）"


async def test_put_bulk_delete_and_category_delete_are_refused(client, world):
    cid = await _minor("0104")
    url = f"{API}/case_category/{cid}/"
    row = (await client.get(url, headers=as_(world, "admin"))).json()
    put = await client.put(url, headers=as_(world, "admin"), json={**row, "code": "0188"})
    assert put.status_code == 405
    assert (await client.delete(url, headers=as_(world, "admin"))).status_code == 405
    bulk = await client.delete(f"{API}/holiday/?id=1", headers=as_(world, "admin"))
    assert bulk.status_code == 405
    assert await Category.exists().where(Category.code == "0104")


async def test_new_minor_category_needs_its_major_and_valid_limits(client, world):
    draft = {
        "code": "7701",
        "name": "测试小类",
        "name_en": "",
        "kind": "event",
        "first_level": "grid",
        "time_unit": "working_days",
        "limits": json.dumps({"grid": 1, "community": 1, "street": 2, "district": 3, "city": 5}),
        "duplicate_radius_m": 50,
        "duplicate_window_h": 24,
        "active": True,
    }
    orphan = await client.post(f"{API}/case_category/", headers=as_(world, "admin"), json=draft)
    assert orphan.status_code == 400 and "parent_id" in orphan.json()["detail"]
    major = {**draft, "code": "77", "name": "测试大类"}
    made = await client.post(f"{API}/case_category/", headers=as_(world, "admin"), json=major)
    assert made.status_code == 201, made.text
    minor = await client.post(f"{API}/case_category/", headers=as_(world, "admin"), json=draft)
    assert minor.status_code == 201, minor.text
    row = await Category.select().where(Category.code == "7701").first()
    assert row["parent"] == made.json()[0]["id"] and row["first_level"] == "grid"


async def test_department_made_in_the_admin_gets_its_unit_prefix_and_level_check(client, world):
    body = {
        "code": "T-ADM",
        "name": "测试水务所",
        "kind": "water",
        "unit": world.units["grid_a1_1"],
    }
    low = await client.post(f"{API}/department/", headers=as_(world, "admin"), json=body)
    assert low.status_code == 400 and "unit_id" in low.json()["detail"]
    body["unit"] = world.units["street_a"]
    made = await client.post(f"{API}/department/", headers=as_(world, "admin"), json=body)
    assert made.status_code == 201, made.text
    row = await Department.select().where(Department.code == "T-ADM").first()
    assert row["unit_prefix"] == "500103001"
    moved = await client.patch(
        f"{API}/department/{row['id']}/",
        headers=as_(world, "admin"),
        json={"unit": world.units["street_b"]},
    )
    assert moved.status_code == 400  # cases and staff refer to the department's unit
    gone = await client.delete(f"{API}/department/{row['id']}/", headers=as_(world, "admin"))
    assert gone.status_code == 204


async def test_holiday_needs_a_name_and_one_row_per_day(client, world):
    url = f"{API}/holiday/"
    blank = await client.post(
        url,
        headers=as_(world, "admin"),
        json={"day": "2031-10-01", "is_workday": False, "name": " "},
    )
    assert blank.status_code == 400
    body = {"day": "2031-10-01", "is_workday": False, "name": "国庆节"}
    assert (await client.post(url, headers=as_(world, "admin"), json=body)).status_code == 201
    again = await client.post(url, headers=as_(world, "admin"), json=body)
    assert again.status_code == 409
    assert await Holiday.count().where(Holiday.name == "国庆节") >= 1


async def test_org_units_are_read_only_in_the_admin(client, world):
    url = f"{API}/org_unit/{world.units['grid_a1_1']}/"
    read = await client.get(url, headers=as_(world, "admin"))
    assert read.status_code == 200
    write = await client.patch(url, headers=as_(world, "admin"), json={"name": "改名"})
    assert write.status_code == 405


async def test_unknown_choices_are_refused_with_the_field_named(client, world):
    cid = await _minor("0103")
    url = f"{API}/case_category/{cid}/"
    for field, value in (("time_unit", "fortnights"), ("owner_department_kind", "bakery")):
        answer = await client.patch(url, headers=as_(world, "admin"), json={field: value})
        assert answer.status_code == 400, (field, answer.text)
        assert field in answer.text


async def test_the_admin_site_speaks_chinese_first_with_english_available(client, world):
    listing = await client.get(ADMIN_PATH + "/public/translations/", headers=as_(world, "admin"))
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert body["default_language_code"] == "zh-CN"
    assert {t["language_code"] for t in body["translations"]} == {"zh-CN", "en"}
    chinese = await client.get(
        ADMIN_PATH + "/public/translations/zh-CN/", headers=as_(world, "admin")
    )
    assert chinese.status_code == 200 and chinese.json()["language_name"] == "Simplified Chinese"


async def test_column_labels_and_table_help_are_chinese_unless_switched_to_english(client, world):
    for table, column, zh, en in (
        ("case_category", "duplicate_radius_m", "查重半径（米）", "Duplicate radius (m)"),
        ("holiday", "is_workday", "调休上班", "Make-up workday"),
        ("department", "unit", "所属单位", "Unit"),
    ):
        chinese = await client.get(f"{API}/{table}/schema/", headers=as_(world, "admin"))
        assert chinese.status_code == 200, chinese.text
        schema = chinese.json()
        assert schema["properties"][column]["title"] == zh, table
        assert any("\u4e00" <= ch <= "\u9fff" for ch in schema["extra"]["help_text"]), table
        assert "visible_column_names" in schema["extra"]  # piccolo-admin's own data kept
        headers = as_(world, "admin")
        headers["Cookie"] += "; gridgov_lang=en"
        english = await client.get(f"{API}/{table}/schema/", headers=headers)
        assert english.json()["properties"][column]["title"] == en, table
