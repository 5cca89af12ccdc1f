"""Name search over sealed names: the keyed token index must find exactly what a plain
substring search over the clear names finds (the rule before names were encrypted)."""

from __future__ import annotations

from backend.db import get_engine
from backend.pii import open_text, query_tokens
from grid.services import house_units as hu
from grid.services import households as hh
from grid.services import residents as rs
from grid.tables import Resident
from tests import people_data as pd

NAMES = (
    "张伟",
    "张伟强",
    "王芳",
    "李娜",
    "李娜娜",
    "欧阳娜娜",
    "欧阳修",
    "司马光",
    "王小明",
    "刘小明",
    "陈晓",
    "张三丰",
    "伟张",
    "Anna 李",
)
QUERIES = (
    # full names
    "张伟",
    "欧阳娜娜",
    "司马光",
    # surnames, one and two characters
    "张",
    "王",
    "欧阳",
    # given names
    "伟",
    "小明",
    "娜娜",
    # two-character substrings across surname and given name
    "阳娜",
    "马光",
    "三丰",
    # pairs all present but not together: 张伟 + 伟强 without 张伟强 in 伟张
    "张伟强",
    "伟张伟",
    # case-folded latin, and misses
    "anna",
    "ANNA 李",
    "赵",
    "明刘",
)


async def _seed(world) -> set[int]:
    actor = world.actors["grid_worker_a"]
    unit = await hu.create_house_unit(
        actor,
        hu.HouseUnitDraft(
            micro_grid_id=world.units["grid_a1_1_m1"], building=pd.building(), room="1"
        ),
    )
    household = await hh.create_household(actor, unit.id)
    ids = set()
    for name in NAMES:
        view = await rs.create_resident(
            actor, rs.ResidentDraft(household_id=household.id, name=name)
        )
        ids.add(view.id)
    return ids


def _contains(name: str, query: str) -> bool:
    """The search's rule as it was on clear names: the trimmed query, case-insensitive."""
    return query.strip().lower() in name.lower()


async def _all_clear_names() -> dict[int, str]:
    rows = await Resident.select(Resident.id, Resident.name_enc)
    return {r["id"]: open_text(r["name_enc"]) for r in rows}


async def test_name_search_finds_exactly_what_substring_filtering_of_the_clear_names_finds(world):
    await _seed(world)
    admin = world.actors["admin"]
    everyone = await _all_clear_names()
    for query in QUERIES:
        views, total = await rs.list_residents(admin, name_contains=query, limit=1000)
        expected = {i for i, name in everyone.items() if _contains(name, query)}
        assert {v.id for v in views} == expected, query
        assert total == len(expected), query
    # the seeded names themselves: each full name, surname, given name and every pair
    for name in NAMES:
        parts = {name, name[0], name[1:]} | {name[i : i + 2] for i in range(len(name) - 1)}
        for part in parts:
            views, total = await rs.list_residents(admin, name_contains=part, limit=1000)
            expected = {i for i, n in everyone.items() if _contains(n, part)}
            assert {v.id for v in views} == expected and total == len(expected), part


async def test_name_search_pages_over_the_true_matches_in_id_order(world):
    ids = await _seed(world)
    actor = world.actors["grid_worker_a"]
    every, total = await rs.list_residents(actor, name_contains="娜", limit=1000)
    assert [v.id for v in every] == sorted(v.id for v in every)
    assert {i for i in ids if "娜" in (await rs.get_resident(actor, i)).name} <= {
        v.id for v in every
    }
    first, _ = await rs.list_residents(actor, name_contains="娜", offset=0, limit=2)
    second, again = await rs.list_residents(actor, name_contains="娜", offset=2, limit=2)
    assert [v.id for v in first + second] == [v.id for v in every[:4]] and again == total


async def test_renaming_a_resident_moves_them_in_the_index(world):
    actor = world.actors["grid_worker_a"]
    unit = await hu.create_house_unit(
        actor,
        hu.HouseUnitDraft(
            micro_grid_id=world.units["grid_a1_1_m1"], building=pd.building(), room="2"
        ),
    )
    household = await hh.create_household(actor, unit.id)
    view = await rs.create_resident(
        actor, rs.ResidentDraft(household_id=household.id, name="诸葛亮")
    )
    await rs.update_resident(actor, view.id, rs.ResidentChanges(name="诸葛瑾"))
    found, _ = await rs.list_residents(actor, name_contains="葛瑾", limit=1000)
    assert view.id in {v.id for v in found}
    stale, _ = await rs.list_residents(actor, name_contains="葛亮", limit=1000)
    assert view.id not in {v.id for v in stale}


async def test_the_index_holds_keyed_tokens_not_characters(world):
    ids = await _seed(world)
    rows = await get_engine().run_ddl(
        "SELECT token FROM resident_name_token WHERE resident IN ("
        + ", ".join(str(i) for i in sorted(ids))
        + ")"
    )
    tokens = {dict(r)["token"] for r in rows}
    assert query_tokens("欧阳") <= tokens and query_tokens("娜") <= tokens
    assert all(len(t) == 32 and all(c in "0123456789abcdef" for c in t) for t in tokens)
    # one token per distinct character and pair: 欧阳娜娜 → 3 + 3
    names = await _all_clear_names()
    [ouyang] = [i for i in ids if names[i] == "欧阳娜娜"]
    mine = await get_engine().run_ddl(
        f"SELECT token FROM resident_name_token WHERE resident = {ouyang}"
    )
    assert len(mine) == 6
