"""Org units over HTTP: the tree, lists, point lookup, admin changes, centers and departments."""

from __future__ import annotations

import itertools
import random

import pytest

from grid.geo.coords import wgs84_to_gcj02
from tests.personas import ORIGIN_LAT, ORIGIN_LON, STEP, square

EN = {"Accept-Language": "en"}
#: Three-digit serials for units this module creates (the database lives for the session).
_serial = itertools.count(random.SystemRandom().randrange(300, 700))


def _community_code(world) -> str:
    return world.codes["street_a"][:9] + f"{next(_serial):03d}"


async def _create(client, world, persona="admin", **body):
    return await client.post("/api/v1/units/", json=body, headers=world.headers(persona))


async def _new_community(client, world, boundary=None) -> dict:
    created = await _create(
        client,
        world,
        code=_community_code(world),
        name="新建社区",
        level="community",
        parent_id=world.units["street_a"],
        boundary=boundary,
    )
    assert created.status_code == 201, created.text
    return created.json()


def _far_square(width: float = 0.02) -> dict:
    """A square far from the personas' grids, so point lookups there never change."""
    return square(ORIGIN_LON + 1, ORIGIN_LAT + 1, width, width)


# --- reading ------------------------------------------------------------------------------


async def test_grid_worker_tree_shows_their_grid_under_breadcrumbs(client, world):
    response = await client.get("/api/v1/units/tree", headers=world.headers("grid_worker_a"))
    assert response.status_code == 200, response.text
    node = response.json()[0]
    path = []
    while node["code"] != world.codes["grid_a1_1"]:
        assert node["in_scope"] is False and node["child_count"] is None
        path.append(node["level"])
        (node,) = node["children"]
    assert path == ["city", "district", "street", "community"]
    assert node["in_scope"] is True and node["child_count"] == 2
    assert [c["code"] for c in node["children"]] == [
        world.codes["grid_a1_1_m1"],
        world.codes["grid_a1_1_m2"],
    ]


async def test_tree_from_a_root_goes_as_deep_as_asked(client, world):
    response = await client.get(
        "/api/v1/units/tree",
        params={"root_id": world.units["community_a1"], "depth": 1},
        headers=world.headers("street_a_staff"),
    )
    community = response.json()[0]["children"][0]["children"][0]["children"][0]
    assert community["code"] == world.codes["community_a1"]
    grids = {c["code"]: c for c in community["children"]}
    assert {world.codes["grid_a1_1"], world.codes["grid_a1_2"]} <= set(grids)
    assert all(g["children"] == [] for g in grids.values())  # depth 1: no micro-grids
    too_deep = await client.get(
        "/api/v1/units/tree", params={"depth": 9}, headers=world.headers("street_a_staff")
    )
    assert too_deep.status_code == 400
    assert too_deep.json()["data"]["field"] == "depth"


async def test_unit_boundary_is_given_in_the_system_asked_for(client, world):
    url = f"/api/v1/units/{world.units['grid_a1_1']}"
    wgs = (await client.get(url, headers=world.headers("grid_worker_a"))).json()
    gcj = (await client.get(url, params={"coord": "gcj02"}, headers=world.headers("admin"))).json()
    assert wgs["code"] == world.codes["grid_a1_1"] and wgs["level"] == "grid"
    lon, lat = wgs["boundary"]["coordinates"][0][0]
    assert (lon, lat) == (ORIGIN_LON, ORIGIN_LAT)
    expected = wgs84_to_gcj02(lon, lat)
    assert gcj["boundary"]["coordinates"][0][0] == pytest.approx(list(expected), abs=1e-9)


async def test_subtree_list_filters_by_level_name_and_parent_and_pages(client, world):
    headers = world.headers("community_staff_a")
    micro = await client.get(
        "/api/v1/units/",
        params={"under": world.units["grid_a1_1"], "level": "micro_grid", "page_size": 1},
        headers=headers,
    )
    body = micro.json()
    assert (body["total"], body["page_size"], len(body["items"])) == (2, 1, 1)
    assert body["items"][0]["code"] == world.codes["grid_a1_1_m1"]
    second = await client.get(
        "/api/v1/units/",
        params={
            "under": world.units["grid_a1_1"],
            "level": "micro_grid",
            "page": 2,
            "page_size": 1,
        },
        headers=headers,
    )
    assert second.json()["items"][0]["code"] == world.codes["grid_a1_1_m2"]

    children = await client.get(
        "/api/v1/units/", params={"parent_id": world.units["grid_a1_2"]}, headers=headers
    )
    assert [u["code"] for u in children.json()["items"]] == [
        world.codes["grid_a1_2_m1"],
        world.codes["grid_a1_2_m2"],
    ]
    named = await client.get("/api/v1/units/", params={"name": "grid_a1_2微网格"}, headers=headers)
    assert {u["code"] for u in named.json()["items"]} == {
        world.codes["grid_a1_2_m1"],
        world.codes["grid_a1_2_m2"],
    }
    wildcard = await client.get("/api/v1/units/", params={"name": "%"}, headers=headers)
    assert wildcard.json()["total"] == 0  # taken literally, not as "anything"
    outside = await client.get(
        "/api/v1/units/", params={"under": world.units["street_b"]}, headers=headers
    )
    assert outside.status_code == 404
    bad_page = await client.get("/api/v1/units/", params={"page_size": 0}, headers=headers)
    assert bad_page.status_code == 400 and bad_page.json()["data"]["field"] == "page_size"


# --- point lookup -------------------------------------------------------------------------


async def test_point_finds_its_grid_and_micro_grid_in_either_coordinate_system(client, world):
    lon, lat = ORIGIN_LON + STEP * 0.75, ORIGIN_LAT + STEP / 2  # east half of grid A1-1
    wgs = await client.get(
        "/api/v1/units/lookup",
        params={"lon": lon, "lat": lat},
        headers=world.headers("street_b_staff"),
    )
    assert wgs.status_code == 200, wgs.text
    found = wgs.json()
    assert found["grid"]["code"] == world.codes["grid_a1_1"]
    assert found["micro_grid"]["code"] == world.codes["grid_a1_1_m2"]
    assert found["fallback"] is None

    glon, glat = wgs84_to_gcj02(lon, lat)
    gcj = await client.get(
        "/api/v1/units/lookup",
        params={"lon": glon, "lat": glat, "coord": "gcj02"},
        headers=world.headers("grid_worker_a"),
    )
    assert gcj.json()["micro_grid"]["code"] == world.codes["grid_a1_1_m2"]
    assert gcj.json()["lon"] == pytest.approx(lon, abs=1e-6)
    # the same GCJ-02 numbers read as WGS-84 are ~380 m east: the neighbouring grid
    misread = await client.get(
        "/api/v1/units/lookup", params={"lon": glon, "lat": glat}, headers=world.headers("admin")
    )
    assert misread.json()["grid"]["code"] == world.codes["grid_a1_2"]


async def test_point_outside_every_unit_is_a_clear_422_in_both_languages(client, world):
    params = {"lon": 120.0, "lat": 40.0}
    zh = await client.get("/api/v1/units/lookup", params=params, headers=world.headers("admin"))
    assert zh.status_code == 422
    assert zh.json()["code"] == "point_outside_area"
    assert zh.json()["message"] == "该位置不在本系统管辖的网格内"
    en = await client.get(
        "/api/v1/units/lookup", params=params, headers={**world.headers("admin"), **EN}
    )
    assert en.json()["message"] == "This location is not inside any grid we serve"


async def test_lookup_refuses_impossible_or_missing_coordinates(client, world):
    headers = world.headers("grid_worker_a")
    wrong = await client.get(
        "/api/v1/units/lookup", params={"lon": 106.5, "lat": 95}, headers=headers
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "coordinates_invalid"
    missing = await client.get("/api/v1/units/lookup", params={"lon": 106.5}, headers=headers)
    assert missing.status_code == 400 and missing.json()["code"] == "validation_error"
    system = await client.get(
        "/api/v1/units/lookup", params={"lon": 106.5, "lat": 29.5, "coord": "bd09"}, headers=headers
    )
    assert system.status_code == 400


async def test_lookup_needs_a_signed_in_caller(client, world):
    response = await client.get("/api/v1/units/lookup", params={"lon": 106.5, "lat": 29.5})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


# --- admin changes ------------------------------------------------------------------------


async def test_admin_creates_renames_redraws_and_deletes_a_unit(client, world):
    community = await _new_community(client, world, boundary=_far_square())
    assert community["centroid_lon"] == pytest.approx(ORIGIN_LON + 1.01)
    grid_code = community["code"] + "001"
    grid = await _create(
        client,
        world,
        code=grid_code,
        name="新网格",
        level="grid",
        parent_id=community["id"],
        boundary=square(ORIGIN_LON + 1, ORIGIN_LAT + 1),
    )
    assert grid.status_code == 201, grid.text
    found = await client.get(
        "/api/v1/units/lookup",
        params={"lon": ORIGIN_LON + 1.005, "lat": ORIGIN_LAT + 1.005},
        headers=world.headers("admin"),
    )
    assert found.json()["grid"]["code"] == grid_code  # the lookup sees the new grid at once

    url = f"/api/v1/units/{community['id']}"
    renamed = await client.patch(url, json={"name": "改名社区"}, headers=world.headers("admin"))
    assert renamed.json()["name"] == "改名社区"
    assert renamed.json()["boundary"] is not None  # left out: the boundary stays
    shrunk = await client.patch(
        url,
        json={"boundary": square(ORIGIN_LON + 1, ORIGIN_LAT + 1, 0.005, 0.005)},
        headers=world.headers("admin"),
    )
    assert shrunk.status_code == 400 and shrunk.json()["code"] == "boundary_invalid"
    cleared = await client.patch(url, json={"boundary": None}, headers=world.headers("admin"))
    assert cleared.json()["boundary"] is None and cleared.json()["centroid_lon"] is None

    busy = await client.delete(url, headers=world.headers("admin"))
    assert busy.status_code == 409 and busy.json()["code"] == "unit_has_children"
    for unit_id in (grid.json()["id"], community["id"]):
        gone = await client.delete(f"/api/v1/units/{unit_id}", headers=world.headers("admin"))
        assert gone.status_code == 204
    assert (await client.get(url, headers=world.headers("admin"))).status_code == 404


async def test_unit_code_must_extend_the_parent_and_be_new(client, world):
    foreign = await _create(
        client,
        world,
        code=world.codes["street_b"][:9] + "901",
        name="错位社区",
        level="community",
        parent_id=world.units["street_a"],
    )
    assert foreign.status_code == 400 and foreign.json()["code"] == "unit_code_invalid"
    assert foreign.json()["message"].startswith("单元编码无效")
    taken = await client.post(
        "/api/v1/units/",
        json={
            "code": world.codes["community_a1"],
            "name": "重复社区",
            "level": "community",
            "parent_id": world.units["street_a"],
        },
        headers={**world.headers("admin"), **EN},
    )
    assert taken.status_code == 409
    assert taken.json()["message"] == f"Unit code {world.codes['community_a1']} already exists"
    skipped = await _create(
        client,
        world,
        code=world.codes["street_a"][:9] + "001001",
        name="跨级网格",
        level="grid",
        parent_id=world.units["street_a"],
    )
    assert skipped.status_code == 400 and skipped.json()["code"] == "unit_parent_invalid"
    level = await _create(client, world, code="x", name="x", level="planet", parent_id=None)
    assert level.status_code == 400 and level.json()["code"] == "validation_error"


async def test_boundary_must_be_a_valid_polygon_inside_the_parent(client, world):
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[107.5, 30.5], [107.51, 30.51], [107.51, 30.5], [107.5, 30.51], [107.5, 30.5]]
        ],
    }
    crossed = await _create(
        client,
        world,
        code=_community_code(world),
        name="自交社区",
        level="community",
        parent_id=world.units["street_a"],
        boundary=bowtie,
    )
    assert crossed.status_code == 400 and crossed.json()["code"] == "boundary_invalid"
    community = await _new_community(client, world, boundary=_far_square())
    outside = await _create(
        client,
        world,
        code=community["code"] + "002",
        name="越界网格",
        level="grid",
        parent_id=community["id"],
        boundary=square(ORIGIN_LON + 1.015, ORIGIN_LAT + 1, 0.01, 0.01),
    )
    assert outside.status_code == 400
    assert "outside its parent" in outside.json()["data"]["reason"]
    gone = await client.delete(f"/api/v1/units/{community['id']}", headers=world.headers("admin"))
    assert gone.status_code == 204


async def test_only_admins_change_units(client, world):
    body = {
        "code": _community_code(world),
        "name": "无权社区",
        "level": "community",
        "parent_id": world.units["street_a"],
    }
    denied = await client.post("/api/v1/units/", json=body, headers=world.headers("street_a_staff"))
    assert denied.status_code == 403 and denied.json()["data"]["action"] == "unit.manage"
    hidden = await client.post("/api/v1/units/", json=body, headers=world.headers("street_b_staff"))
    assert hidden.status_code == 404
    delete = await client.delete(
        f"/api/v1/units/{world.units['grid_a1_1_m1']}", headers=world.headers("community_staff_a")
    )
    assert delete.status_code == 403


UNIT_SCOPE = [
    # persona, read street A's micro-grid, rename it
    ("grid_worker_a", 200, 403),
    ("grid_leader_a", 200, 403),
    ("community_staff_a", 200, 403),
    ("street_a_staff", 200, 403),
    ("street_b_staff", 404, 404),
    ("admin", 200, 200),
]


@pytest.mark.parametrize(("persona", "read", "modify"), UNIT_SCOPE)
async def test_unit_scope_matrix(client, world, persona, read, modify):
    unit_id = world.units["grid_a1_1_m1"]
    headers = world.headers(persona)
    got = await client.get(f"/api/v1/units/{unit_id}", headers=headers)
    assert got.status_code == read
    changed = await client.patch(
        f"/api/v1/units/{unit_id}", json={"name": "grid_a1_1微网格1"}, headers=headers
    )
    assert changed.status_code == modify, changed.text
    listed = await client.get(
        "/api/v1/units/", params={"level": "micro_grid", "page_size": 200}, headers=headers
    )
    assert (unit_id in {u["id"] for u in listed.json()["items"]}) is (read == 200)


# --- centers and departments ----------------------------------------------------------------


async def _street_center(client, world) -> dict:
    """Street A's governance center (created by whichever test needs it first)."""
    listed = await client.get(
        "/api/v1/centers/", params={"page_size": 200}, headers=world.headers("admin")
    )
    for center in listed.json()["items"]:
        if center["unit_id"] == world.units["street_a"]:
            return center
    created = await client.post(
        "/api/v1/centers/",
        json={
            "unit_id": world.units["street_a"],
            "name": "甲街道治理中心",
            "phone": "023-6000 0000",
        },
        headers=world.headers("admin"),
    )
    assert created.status_code == 201, created.text
    return created.json()


async def test_admin_sets_up_one_center_per_street(client, world):
    center = await _street_center(client, world)
    again = await client.post(
        "/api/v1/centers/",
        json={"unit_id": world.units["street_a"], "name": "第二中心"},
        headers=world.headers("admin"),
    )
    assert again.status_code == 409 and again.json()["code"] == "center_exists"
    at_community = await client.post(
        "/api/v1/centers/",
        json={"unit_id": world.units["community_a1"], "name": "社区中心"},
        headers=world.headers("admin"),
    )
    assert at_community.status_code == 400 and at_community.json()["data"]["field"] == "unit_id"
    changed = await client.patch(
        f"/api/v1/centers/{center['id']}",
        json={"phone": "023-6123 4567"},
        headers=world.headers("admin"),
    )
    assert changed.json()["phone"] == "023-6123 4567" and changed.json()["name"] == center["name"]
    denied = await client.patch(
        f"/api/v1/centers/{center['id']}",
        json={"name": "x"},
        headers=world.headers("street_a_staff"),
    )
    assert denied.status_code == 403


async def test_grid_worker_sees_the_center_above_and_other_streets_do_not(client, world):
    center = await _street_center(client, world)
    mine = await client.get("/api/v1/centers/", headers=world.headers("grid_worker_a"))
    assert center["id"] in {c["id"] for c in mine.json()["items"]}
    one = await client.get(
        f"/api/v1/centers/{center['id']}", headers=world.headers("grid_worker_a")
    )
    assert one.json()["unit_code"] == world.codes["street_a"]
    other = await client.get(
        f"/api/v1/centers/{center['id']}", headers=world.headers("street_b_staff")
    )
    assert other.status_code == 404
    listed = await client.get("/api/v1/centers/", headers=world.headers("street_b_staff"))
    assert center["id"] not in {c["id"] for c in listed.json()["items"]}


async def test_center_of_a_new_street_can_be_removed(client, world):
    code = world.codes["district"][:6] + f"{next(_serial):03d}000"
    street = await _create(
        client, world, code=code, name="新街道", level="street", parent_id=world.units["district"]
    )
    assert street.status_code == 201, street.text
    center = await client.post(
        "/api/v1/centers/",
        json={"unit_id": street.json()["id"], "name": "新街道治理中心"},
        headers=world.headers("admin"),
    )
    url = f"/api/v1/centers/{center.json()['id']}"
    assert (await client.get(url, headers=world.headers("district_staff"))).status_code == 200
    assert (await client.delete(url, headers=world.headers("admin"))).status_code == 204
    assert (await client.get(url, headers=world.headers("admin"))).status_code == 404
    street_url = f"/api/v1/units/{street.json()['id']}"
    assert (await client.delete(street_url, headers=world.headers("admin"))).status_code == 204


async def test_departments_are_added_renamed_listed_and_removed(client, world):
    code = f"T-SA-{next(_serial)}"
    created = await client.post(
        "/api/v1/departments/",
        json={
            "code": code,
            "name": "甲街道综合执法队",
            "kind": "city_management",
            "unit_id": world.units["street_a"],
        },
        headers=world.headers("admin"),
    )
    assert created.status_code == 201, created.text
    dept = created.json()
    assert (dept["unit_code"], dept["kind"]) == (world.codes["street_a"], "city_management")
    duplicate = await client.post(
        "/api/v1/departments/",
        json={"code": code, "name": "重复", "kind": "fire", "unit_id": world.units["street_a"]},
        headers=world.headers("admin"),
    )
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "department_code_taken"
    bad_code = await client.post(
        "/api/v1/departments/",
        json={"code": "有 空格", "name": "x", "kind": "fire", "unit_id": world.units["street_a"]},
        headers=world.headers("admin"),
    )
    assert bad_code.status_code == 400 and bad_code.json()["data"]["field"] == "code"

    seen = await client.get(
        "/api/v1/departments/",
        params={"kind": "city_management"},
        headers=world.headers("grid_worker_a"),
    )
    assert dept["id"] in {d["id"] for d in seen.json()["items"]}
    url = f"/api/v1/departments/{dept['id']}"
    assert (await client.get(url, headers=world.headers("street_b_staff"))).status_code == 404
    denied = await client.patch(url, json={"name": "x"}, headers=world.headers("street_a_staff"))
    assert denied.status_code == 403
    renamed = await client.patch(
        url, json={"name": "甲街道城管队", "kind": "other"}, headers=world.headers("admin")
    )
    assert (renamed.json()["name"], renamed.json()["kind"]) == ("甲街道城管队", "other")
    assert (await client.delete(url, headers=world.headers("admin"))).status_code == 204
    assert (await client.get(url, headers=world.headers("admin"))).status_code == 404


async def test_district_department_is_visible_to_every_street_below(client, world):
    url = f"/api/v1/departments/{world.department_id}"
    for persona in ("grid_worker_a", "street_b_staff", "department_handler"):
        response = await client.get(url, headers=world.headers(persona))
        assert response.status_code == 200, persona
        assert response.json()["code"] == "T-CG"
