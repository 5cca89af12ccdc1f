"""People records against the database: house units, owners, households, residents, PII, scope."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.db import get_engine
from backend.errors import DomainError, ErrorCode
from grid.services import house_units as hu
from grid.services import households as hh
from grid.services import residents as rs
from grid.services.owners import OwnerSpec
from grid.services.people_fields import Gender
from grid.tables import CareTag, OwnerKind, PiiAccessLog, Tenure
from tests import people_data as pd


async def _house(world, persona="grid_worker_a", micro="grid_a1_1_m1", **extra):
    draft = hu.HouseUnitDraft(
        micro_grid_id=world.units[micro], building=pd.building(), room="101", **extra
    )
    return await hu.create_house_unit(world.actors[persona], draft)


async def _resident(world, persona="grid_worker_a", micro="grid_a1_1_m1", **fields):
    unit = await _house(world, persona, micro)
    household = await hh.create_household(world.actors[persona], unit.id)
    draft = rs.ResidentDraft(household_id=household.id, **{"name": "张三", **fields})
    return await rs.create_resident(world.actors[persona], draft)


def _code(exc_info) -> ErrorCode:
    return exc_info.value.code


async def _raw_row(table: str, row_id: int) -> dict:
    rows = await get_engine().run_ddl(f"SELECT * FROM {table} WHERE id = {int(row_id)}")
    assert len(rows) == 1
    return dict(rows[0])


# --- house units and owners -------------------------------------------------------------


async def test_house_unit_area_is_exact_and_takes_its_micro_grid_prefix(world):
    unit = await _house(world, exclusive_area="89.50", area_source="measured")
    assert unit.exclusive_area == Decimal("89.50")
    assert unit.area_source == "measured"
    assert unit.unit_prefix == world.codes["grid_a1_1_m1"]
    raw = await _raw_row("house_unit", unit.id)
    assert raw["exclusive_area_centi"] == 8950


async def test_house_unit_without_area_reports_it_unknown(world):
    unit = await _house(world)
    assert unit.exclusive_area is None


@pytest.mark.parametrize(
    ("area", "rule"),
    [
        ("-3", "negative"),
        ("0", "zero"),
        ("88.125", "too_many_decimals"),
        ("100000.01", "too_large"),
    ],
)
async def test_house_unit_with_impossible_area_is_refused(world, area, rule):
    with pytest.raises(DomainError) as exc:
        await _house(world, exclusive_area=area)
    assert _code(exc) is ErrorCode.AREA_INVALID
    assert exc.value.data["rule"] == rule


async def test_house_unit_outside_a_micro_grid_is_refused(world):
    draft = hu.HouseUnitDraft(micro_grid_id=world.units["grid_a1_1"], building="1", room="1")
    with pytest.raises(DomainError) as exc:
        await hu.create_house_unit(world.actors["grid_worker_a"], draft)
    assert _code(exc) is ErrorCode.VALIDATION


async def test_same_room_twice_in_a_micro_grid_is_refused(world):
    unit = await _house(world)
    again = hu.HouseUnitDraft(micro_grid_id=unit.micro_grid_id, building=unit.building, room="101")
    with pytest.raises(DomainError) as exc:
        await hu.create_house_unit(world.actors["grid_worker_a"], again)
    assert _code(exc) is ErrorCode.HOUSE_UNIT_TAKEN


async def test_several_units_of_one_owner_link_to_one_owner_row(world):
    actor = world.actors["grid_worker_a"]
    owner_id = pd.id_number()
    first, second = await _house(world), await _house(world, micro="grid_a1_1_m2")
    a = await hu.set_owners(actor, first.id, [OwnerSpec("李四", id_number=owner_id)])
    b = await hu.set_owners(
        actor,
        second.id,
        [OwnerSpec("李四", id_number=owner_id), OwnerSpec("王五", id_number=pd.id_number())],
    )
    assert len(b.owners) == 2  # co-owners
    assert a.owners[0].id == b.owners[0].id
    assert b.owners[0].id != b.owners[1].id
    assert a.owners[0].id_number is not None and "*" in a.owners[0].id_number


async def test_developer_holding_unsold_units_is_one_owner(world):
    actor = world.actors["grid_leader_a"]
    credit = "91350100M000100Y43"
    units = [await _house(world, "grid_leader_a") for _ in range(2)]
    views = [
        await hu.set_owners(
            actor, u.id, [OwnerSpec("某某置业有限公司", OwnerKind.developer, credit)]
        )
        for u in units
    ]
    assert views[0].owners[0].id == views[1].owners[0].id
    assert views[0].owners[0].kind is OwnerKind.developer
    with pytest.raises(DomainError) as exc:
        await hu.set_owners(
            actor, units[0].id, [OwnerSpec("某某置业", OwnerKind.developer, "91350100M000100Y44")]
        )
    assert _code(exc) is ErrorCode.CREDIT_CODE_INVALID


async def test_owner_who_owns_nothing_any_more_is_deleted(world):
    actor = world.actors["grid_worker_a"]
    unit = await _house(world)
    owner = (await hu.set_owners(actor, unit.id, [OwnerSpec("赵六", phone=pd.phone())])).owners[0]
    await hu.set_owners(actor, unit.id, [])
    rows = await get_engine().run_ddl(f"SELECT id FROM owner WHERE id = {owner.id}")
    assert rows == []


async def test_resident_with_an_owners_id_number_is_linked_to_that_owner(world):
    actor = world.actors["grid_worker_a"]
    number = pd.id_number()
    resident = await _resident(world, name="钱七", id_number=number)
    assert resident.owner_id is None
    unit = await hu.set_owners(actor, resident.house_unit_id, [OwnerSpec("钱七", id_number=number)])
    assert (await rs.get_resident(actor, resident.id)).owner_id == unit.owners[0].id
    # and the other way round: an owner first, a resident with the same ID later
    later = await _resident(world, name="孙八", id_number=(n2 := pd.id_number()))
    other = await hu.set_owners(actor, later.house_unit_id, [OwnerSpec("孙八", id_number=n2)])
    again = await rs.update_resident(actor, later.id, rs.ResidentChanges(id_number=None))
    assert again.owner_id is None
    back = await rs.update_resident(actor, later.id, rs.ResidentChanges(id_number=n2))
    assert back.owner_id == other.owners[0].id


async def test_non_empty_house_unit_and_household_cannot_be_deleted(world):
    actor = world.actors["grid_worker_a"]
    resident = await _resident(world)
    with pytest.raises(DomainError) as exc:
        await hu.delete_house_unit(actor, resident.house_unit_id)
    assert _code(exc) is ErrorCode.HOUSE_UNIT_NOT_EMPTY
    with pytest.raises(DomainError) as exc:
        await hh.delete_household(actor, resident.household_id)
    assert _code(exc) is ErrorCode.HOUSEHOLD_NOT_EMPTY
    await rs.delete_resident(actor, resident.id)
    await hh.delete_household(actor, resident.household_id)
    await hu.delete_house_unit(actor, resident.house_unit_id)
    with pytest.raises(DomainError) as exc:
        await hu.get_house_unit(actor, resident.house_unit_id)
    assert _code(exc) is ErrorCode.NOT_FOUND


# --- residents and PII ----------------------------------------------------------------


async def test_phone_and_id_number_never_reach_the_table_in_plaintext(world):
    phone, number = pd.phone(), pd.id_number()
    resident = await _resident(world, phone=phone, id_number=number)
    unit = await hu.set_owners(
        world.actors["grid_worker_a"],
        resident.house_unit_id,
        [OwnerSpec("张三", id_number=number, phone=phone)],
    )
    for table, row_id in (("resident", resident.id), ("owner", unit.owners[0].id)):
        raw = " ".join(str(v) for v in (await _raw_row(table, row_id)).values())
        assert phone not in raw and phone[-8:] not in raw
        assert number not in raw and number[6:14] not in raw


async def test_outputs_show_phone_and_id_number_masked(world):
    phone, number = pd.phone(), pd.id_number()
    resident = await _resident(world, phone=phone, id_number=number)
    assert resident.phone == phone[:3] + "****" + phone[-4:]
    assert resident.id_number == number[:3] + "*" * 11 + number[-4:]
    listed, _ = await rs.list_residents(world.actors["grid_worker_a"], phone=phone)
    assert [(r.phone, r.id_number) for r in listed] == [(resident.phone, resident.id_number)]


async def test_frontline_reveal_shows_full_values_and_is_logged_with_reason(world):
    phone, number = pd.phone(), pd.id_number()
    resident = await _resident(world, phone=phone, id_number=number)
    actor = world.actors["grid_leader_a"]
    full = await rs.get_resident(actor, resident.id, reveal=True, reason="入户走访核实")
    assert (full.phone, full.id_number, full.revealed) == (phone, number, True)
    logs = await PiiAccessLog.select().where(
        (PiiAccessLog.subject_kind == "resident") & (PiiAccessLog.subject_id == resident.id)
    )
    assert [(r["staff"], r["fields"], r["reason"]) for r in logs] == [
        (actor.id, "phone,id_number", "入户走访核实")
    ]


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("street_a_staff", ErrorCode.FORBIDDEN),
        ("district_staff", ErrorCode.FORBIDDEN),
        ("grid_worker_a2", ErrorCode.NOT_FOUND),
        ("department_handler", ErrorCode.NOT_FOUND),
    ],
)
async def test_reveal_is_refused_outside_the_frontline_and_leaves_no_log(world, persona, code):
    resident = await _resident(world, phone=pd.phone())
    with pytest.raises(DomainError) as exc:
        await rs.get_resident(world.actors[persona], resident.id, reveal=True, reason="查看")
    assert _code(exc) is code
    assert not await PiiAccessLog.exists().where(PiiAccessLog.subject_id == resident.id)


async def test_reveal_needs_a_reason(world):
    resident = await _resident(world, phone=pd.phone())
    with pytest.raises(DomainError) as exc:
        await rs.get_resident(world.actors["grid_worker_a"], resident.id, reveal=True, reason=" ")
    assert _code(exc) is ErrorCode.VALIDATION


async def test_id_number_fills_gender_and_birth_year_and_contradictions_are_refused(world):
    resident = await _resident(world, id_number=pd.id_number("195205", male=False))
    assert (resident.gender, resident.birth_year) == (Gender.female, 1952)
    with pytest.raises(DomainError) as exc:
        await _resident(world, id_number=pd.id_number("195205"), birth_year=1960)
    assert exc.value.data["field"] == "birth_year"


async def test_id_number_with_a_wrong_check_digit_is_refused(world):
    number = pd.id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(DomainError) as exc:
        await _resident(world, id_number=wrong)
    assert _code(exc) is ErrorCode.ID_NUMBER_INVALID


async def test_second_resident_with_the_same_id_number_is_refused(world):
    number = pd.id_number()
    await _resident(world, id_number=number)
    with pytest.raises(DomainError) as exc:
        await _resident(world, id_number=number)
    assert _code(exc) is ErrorCode.RESIDENT_DUPLICATE


# --- scope per persona ----------------------------------------------------------------


async def test_grid_worker_sees_their_grid_and_not_the_neighbouring_one(world):
    mine = await _resident(world, name="甲一一")
    theirs = await _resident(world, "grid_worker_a2", "grid_a1_2_m1", name="甲一二")
    worker = world.actors["grid_worker_a"]
    seen, _ = await rs.list_residents(worker, name_contains="甲一")
    assert mine.id in {r.id for r in seen} and theirs.id not in {r.id for r in seen}
    with pytest.raises(DomainError) as exc:
        await rs.get_resident(worker, theirs.id)
    assert _code(exc) is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as exc:
        await rs.list_residents(worker, unit_id=world.units["grid_a1_2"])
    assert _code(exc) is ErrorCode.NOT_FOUND
    community, _ = await rs.list_residents(world.actors["community_staff_a"], name_contains="甲一")
    assert {mine.id, theirs.id} <= {r.id for r in community}


async def test_center_staff_read_masked_names_and_cannot_edit(world):
    resident = await _resident(world, name="欧阳娜娜", phone=pd.phone())
    street = world.actors["street_a_staff"]
    seen = await rs.get_resident(street, resident.id)
    assert seen.name == "欧**娜" and "*" in (seen.phone or "")
    assert (await rs.get_resident(world.actors["grid_worker_a"], resident.id)).name == "欧阳娜娜"
    with pytest.raises(DomainError) as exc:
        await rs.update_resident(street, resident.id, rs.ResidentChanges(relation="户主"))
    assert _code(exc) is ErrorCode.FORBIDDEN
    with pytest.raises(DomainError) as exc:
        await rs.get_resident(world.actors["street_b_staff"], resident.id)
    assert _code(exc) is ErrorCode.NOT_FOUND


async def test_department_handler_sees_no_residents(world):
    resident = await _resident(world)
    handler = world.actors["department_handler"]
    with pytest.raises(DomainError) as exc:
        await rs.get_resident(handler, resident.id)
    assert _code(exc) is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as exc:
        await rs.list_residents(handler)
    assert _code(exc) is ErrorCode.FORBIDDEN


async def test_moving_a_household_to_another_grid_moves_its_residents_scope(world):
    resident = await _resident(world)
    community = world.actors["community_staff_a"]
    target = await _house(world, "community_staff_a", "grid_a1_2_m2")
    await hh.update_household(community, resident.household_id, house_unit_id=target.id)
    moved = await rs.get_resident(community, resident.id)
    assert moved.unit_prefix == world.codes["grid_a1_2_m2"]
    assert moved.house_unit_id == target.id
    with pytest.raises(DomainError):
        await rs.get_resident(world.actors["grid_worker_a"], resident.id)
    assert (await rs.get_resident(world.actors["grid_worker_a2"], resident.id)).id == resident.id


# --- list filters ---------------------------------------------------------------------


async def test_resident_list_filters_by_tag_name_phone_id_number_and_house(world):
    actor = world.actors["grid_worker_a"]
    phone, number = pd.phone(), pd.id_number("194003")
    old = await _resident(
        world,
        name="周老太_%",
        phone=phone,
        id_number=number,
        tags=(CareTag.elderly_alone, CareTag.low_income),
    )
    young = await rs.create_resident(
        actor, rs.ResidentDraft(household_id=old.household_id, name="周小明", relation="孙子")
    )

    async def ids(**filters):
        found, total = await rs.list_residents(actor, **filters)
        assert total >= len(found)
        return {r.id for r in found}

    assert old.tags == [CareTag.elderly_alone, CareTag.low_income]
    assert await ids(household_id=old.household_id) == {old.id, young.id}
    assert await ids(house_unit_id=old.house_unit_id, tag=CareTag.elderly_alone) == {old.id}
    assert await ids(phone=phone) == {old.id}
    assert await ids(id_number=number.lower()) == {old.id}
    assert await ids(household_id=old.household_id, name_contains="小明") == {young.id}
    assert await ids(household_id=old.household_id, name_contains="_%") == {old.id}
    assert await ids(household_id=old.household_id, name_contains="%") == {old.id}
    page, total = await rs.list_residents(actor, household_id=old.household_id, limit=1)
    assert (len(page), total) == (1, 2)
    with pytest.raises(DomainError) as exc:
        await rs.list_residents(actor, phone="12345")
    assert _code(exc) is ErrorCode.PHONE_INVALID


async def test_tags_are_replaced_as_a_set(world):
    resident = await _resident(world, tags=(CareTag.disabled,))
    actor = world.actors["grid_worker_a"]
    view = await rs.set_tags(actor, resident.id, (CareTag.veteran, CareTag.veteran))
    assert view.tags == [CareTag.veteran]
    assert (await rs.set_tags(actor, resident.id, ())).tags == []


async def test_households_show_members_and_tenure(world):
    resident = await _resident(world, relation="户主")
    actor = world.actors["grid_worker_a"]
    changed = await hh.update_household(actor, resident.household_id, tenure=Tenure.rented)
    assert changed.tenure is Tenure.rented
    assert [(m.id, m.name, m.relation) for m in changed.members] == [(resident.id, "张三", "户主")]
    listed, total = await hh.list_households(actor, house_unit_id=resident.house_unit_id)
    assert total == 1 and listed[0].id == resident.household_id


async def test_house_unit_list_of_a_micro_grid_includes_owners(world):
    actor = world.actors["grid_worker_a"]
    unit = await _house(world, micro="grid_a1_1_m2", exclusive_area="120")
    await hu.set_owners(actor, unit.id, [OwnerSpec("吴九", id_number=pd.id_number())])
    units, total = await hu.list_house_units(
        actor, unit_id=world.units["grid_a1_1_m2"], building=unit.building
    )
    assert total == 1
    assert units[0].owners[0].name == "吴九"
    assert units[0].exclusive_area == Decimal("120.00")
    assert units[0].label == f"{unit.building}101"
