"""The migration that seals names and addresses, run back and forth on the test database
(either engine): rows written in clear before it come out sealed and searchable, and going
back restores the clear columns (with the same key)."""

from __future__ import annotations

import importlib
import uuid

from backend.db import get_engine
from grid.services import house_units as hu
from grid.services import households as hh
from grid.services import residents as rs
from tests import people_data as pd

MIGRATION = importlib.import_module("grid.piccolo_migrations.grid_2026_11_25t19_30_00_000000")


async def _run(sql: str) -> list[dict]:
    return [dict(r) for r in await get_engine().run_ddl(sql)]


async def _migrate(backwards: bool) -> None:
    manager = await MIGRATION.forwards()
    await manager.run(backwards=backwards)


async def test_clear_names_and_addresses_are_sealed_indexed_and_restored_going_back(world):
    actor = world.actors["grid_worker_a"]
    address = "迁移路" + uuid.uuid4().hex[:6] + "号"
    unit = await hu.create_house_unit(
        actor,
        hu.HouseUnitDraft(
            micro_grid_id=world.units["grid_a1_1_m1"],
            building=pd.building(),
            room="9",
            address=address,
        ),
    )
    household = await hh.create_household(actor, unit.id)
    sealed_before = await rs.create_resident(
        actor, rs.ResidentDraft(household_id=household.id, name="上官婉儿")
    )

    await _migrate(backwards=True)
    try:
        [back] = await _run(f"SELECT name FROM resident WHERE id = {sealed_before.id}")
        assert back["name"] == "上官婉儿"
        [house] = await _run(f"SELECT address FROM house_unit WHERE id = {unit.id}")
        assert house["address"] == address
        # a row as the old code wrote it: name in clear, no tokens
        await _run(
            "INSERT INTO resident (household, unit_prefix, name, gender, relation, created_at,"
            f" updated_at) VALUES ({household.id}, '{household.unit_prefix}', '长孙无忌', '', '',"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    finally:
        await _migrate(backwards=False)

    columns = await _run(f"SELECT * FROM resident WHERE household = {household.id}")
    assert len(columns) == 2 and all("name" not in row for row in columns)
    assert all(row["name_enc"].startswith("v1:") for row in columns)
    assert not any("长孙" in str(v) or "上官" in str(v) for row in columns for v in row.values())
    [house] = await _run(f"SELECT * FROM house_unit WHERE id = {unit.id}")
    assert "address" not in house and address not in str(house["address_enc"])
    for query in ("长孙无忌", "长", "孙无", "婉儿", "上官婉儿"):
        found, _ = await rs.list_residents(actor, name_contains=query, household_id=household.id)
        assert len(found) == 1, query
    shown = {v.name for v in (await rs.list_residents(actor, household_id=household.id))[0]}
    assert shown == {"上官婉儿", "长孙无忌"}
    assert (await hu.get_house_unit(actor, unit.id)).address == address
