"""report_case: routing, first level, idempotency per reporter + client id (also concurrent)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from backend.errors import DomainError, ErrorCode
from grid.actors import Actor
from grid.cases.services.access import Reporter, access_case
from grid.cases.services.intake import ReportDraft, report_case
from grid.cases.services.moves import case_number
from grid.cases.tables import Case, CaseEvent, Channel, Outbox, ReporterKind, Severity
from grid.geo.coords import wgs84_to_gcj02
from tests.cases_support import POINTS, category_id, report


def resident(n: int = 900001) -> Actor:
    return Actor(kind="resident", id=n, name="张居民")


async def test_a_point_is_routed_to_its_grid_and_micro_grid(world):
    case = await report(world, "grid_worker_a", grid="grid_a1_2")
    assert case["home_unit"] == world.units["grid_a1_2"]
    assert case["micro_grid"] == world.units["grid_a1_2_m1"]
    assert (case["level"], case["unit"]) == ("grid", world.units["grid_a1_2"])
    assert case["state"] == "reported" and case["reporter_id"] == str(world.staff["grid_worker_a"])


async def test_a_gcj02_point_from_a_phone_is_converted_before_routing(world):
    lon, lat = POINTS["grid_b1_1"]
    glon, glat = wgs84_to_gcj02(lon, lat)
    draft = ReportDraft(
        category_id=await category_id("0101"),
        description="垃圾",
        client_id=uuid.uuid4().hex,
        channel=Channel.miniprogram,
        lon=float(glon),
        lat=float(glat),
        coord_system="gcj02",
    )
    case = (await report_case(resident(), draft)).case
    assert case["home_unit"] == world.units["grid_b1_1"]
    assert case["coord_system"] == "gcj02" and abs(case["wgs_lon"] - lon) < 1e-6


async def test_a_component_category_is_filed_at_the_street_center(world):
    case = await report(world, "grid_worker_a", code="0401")  # 井盖缺失 starts at the street
    assert (case["level"], case["unit"]) == ("street", world.units["street_a"])
    assert case["home_unit"] == world.units["grid_a1_1"]


async def test_a_major_report_starts_at_the_street_center_at_least(world):
    case = await report(world, "grid_worker_a", code="0101", severity=Severity.major)
    assert (case["level"], case["unit"]) == ("street", world.units["street_a"])


async def test_the_same_client_id_returns_the_same_case(world):
    client_id = uuid.uuid4().hex
    first = await report(world, "grid_worker_a", client_id=client_id)
    again = await report(world, "grid_worker_a", client_id=client_id)
    other = await report(world, "grid_worker_a2", client_id=client_id)
    assert again["id"] == first["id"] and other["id"] != first["id"]
    assert await CaseEvent.count().where(CaseEvent.case == first["id"]) == 1


async def test_the_report_notifies_the_responsible_unit_in_the_same_transaction(world):
    case = await report(world, "grid_worker_a")
    notes = await Outbox.select().where(Outbox.kind == "case.new").output(load_json=True)
    mine = [n for n in notes if n["payload"].get("case_id") == case["id"]]
    assert [(n["recipient_kind"], n["recipient_id"]) for n in mine] == [
        ("unit", str(world.units["grid_a1_1"]))
    ]
    assert mine[0]["payload"]["number"] == case_number(case["id"], case["created_at"])
    assert mine[0]["payload"]["text"].startswith("新上报「暴露垃圾」")


async def test_concurrent_retries_with_one_client_id_create_exactly_one_case(world):
    client_id = uuid.uuid4().hex
    who = Reporter(ReporterKind.external, "telegram:42", "tg user")
    draft = ReportDraft(
        category_id=await category_id("0102"),
        description="道路不洁",
        client_id=client_id,
        channel=Channel.telegram,
        lon=POINTS["grid_a1_1"][0],
        lat=POINTS["grid_a1_1"][1],
    )
    results = await asyncio.gather(*(report_case(who, draft) for _ in range(100)))
    assert len({r.case["id"] for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert await Case.count().where(Case.client_id == client_id) == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"lon": None, "lat": None}, ErrorCode.CASE_LOCATION_MISSING),
        ({"lon": 100.0, "lat": 20.0}, ErrorCode.POINT_OUTSIDE_AREA),
        ({"description": "  "}, ErrorCode.VALIDATION),
        ({"photo_ids": list(range(1, 12))}, ErrorCode.MEDIA_TOO_MANY_PHOTOS),
        ({"major": True}, ErrorCode.CATEGORY_INACTIVE),
    ],
)
async def test_a_bad_report_is_refused_with_a_reason(world, changes, code):
    fields = {
        "category_id": await category_id("01" if changes.pop("major", False) else "0101"),
        "description": "垃圾",
        "client_id": uuid.uuid4().hex,
        "lon": POINTS["grid_a1_1"][0],
        "lat": POINTS["grid_a1_1"][1],
        **changes,
    }
    with pytest.raises(DomainError) as refused:
        await report_case(world.actors["grid_worker_a"], ReportDraft(**fields))
    assert refused.value.code is code


async def test_a_resident_reads_their_own_case_and_nobody_elses(world):
    me, neighbour = resident(900101), resident(900102)
    lon, lat = POINTS["grid_a1_1"]
    draft = ReportDraft(await category_id("0101"), "垃圾", uuid.uuid4().hex, lon=lon, lat=lat)
    case = (await report_case(me, draft)).case
    assert (await access_case(me, case["id"]))["id"] == case["id"]
    with pytest.raises(DomainError) as hidden:
        await access_case(neighbour, case["id"])
    assert hidden.value.code is ErrorCode.NOT_FOUND


async def test_staff_of_another_street_do_not_see_the_case(world):
    case = await report(world, "grid_worker_a")
    assert await access_case(world.actors["street_a_staff"], case["id"])
    for outsider in ("street_b_staff", "grid_worker_b", "grid_worker_a2"):
        with pytest.raises(DomainError) as hidden:
            await access_case(world.actors[outsider], case["id"])
        assert hidden.value.code is ErrorCode.NOT_FOUND


async def test_a_house_unit_or_a_unit_with_an_address_locates_the_case(world):
    from grid.tables import HouseUnit

    micro = world.units["grid_a1_2_m2"]
    house = (
        await HouseUnit.insert(
            HouseUnit(
                micro_grid=micro,
                unit_prefix=world.codes["grid_a1_2_m2"],
                building=f"{uuid.uuid4().int % 1000}栋",
                room="101",
            )
        )
    )[0]["id"]
    base = {"category_id": await category_id("0501"), "description": "邻里纠纷"}
    by_house = await report_case(
        world.actors["grid_worker_a2"],
        ReportDraft(**base, client_id=uuid.uuid4().hex, house_unit_id=house),
    )
    case = by_house.case
    assert (case["home_unit"], case["micro_grid"], case["house_unit"]) == (
        world.units["grid_a1_2"],
        micro,
        house,
    )
    by_unit = await report_case(
        world.actors["community_staff_a"],
        ReportDraft(
            **base,
            client_id=uuid.uuid4().hex,
            unit_id=world.units["community_a1"],
            address="甲一社区活动中心",
        ),
    )
    assert (by_unit.case["home_unit"], by_unit.case["level"]) == (
        world.units["community_a1"],
        "community",
    )
    assert by_unit.case["address"] == "甲一社区活动中心"
