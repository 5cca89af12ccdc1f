"""The whole demo district from a seed, as plain data (no database, no clock, no global random).

Each part draws from its own ``random.Random`` derived from the seed and a label, so adding,
say, a new care tag changes the people but not the boundaries.
"""

from __future__ import annotations

import random
from dataclasses import replace

from grid.codes import validate_code
from grid.demo.geometry import (
    COMMUNITIES_X,
    COMMUNITIES_Y,
    GRIDS_X,
    GRIDS_Y,
    STREETS_X,
    STREETS_Y,
    DistrictTiles,
    tile_district,
)
from grid.demo.model import (
    DEVELOPER_KEY,
    CenterPlan,
    CommunityPeople,
    DemoPlan,
    DepartmentPlan,
    OwnerPlan,
    UnitPlan,
)
from grid.demo.names import IdentityMaker
from grid.demo.party import generate_party
from grid.demo.people import MicroSite, generate_community
from grid.demo.staff import plan_staff
from grid.tables import DepartmentKind, Level, OwnerKind

CITY_CODE, CITY_NAME = "500100000000", "演示市"
DISTRICT_CODE, DISTRICT_NAME = "500199000000", "演示区"
DEVELOPER_NAME = "重庆演示置业有限公司"

STREET_NAMES = ("临江", "翠云", "望江", "明月", "嘉陵", "朝阳", "白沙", "龙溪")
COMMUNITY_NAMES = (
    "金桥", "桂花", "银杏", "锦绣", "滨江", "紫荆", "石榴", "春晖", "和平", "新村", "东风",
    "兴隆", "玉带", "凤鸣", "青松", "长安", "黄桷", "枇杷", "海棠", "曙光", "文星", "双桥",
)  # fmt: skip
COMPOUND_HEADS = (
    "锦华", "翠湖", "金桂", "阳光", "和美", "滨江", "紫薇", "龙湾", "融景", "书香", "康宁",
    "怡景", "南山", "北城", "碧水", "枫林", "溪岸", "月湾", "香樟", "兰亭", "万福", "华庭",
    "祥和", "观澜", "天悦", "嘉禾", "丽都", "铜雀", "明珠", "宝石", "望湖", "水岸",
)  # fmt: skip
STREETS = STREETS_X * STREETS_Y
COMMUNITIES_PER_STREET = COMMUNITIES_X * COMMUNITIES_Y
GRIDS_PER_COMMUNITY = GRIDS_X * GRIDS_Y
MICRO_PER_GRID = 4  # the 2×2 sub-quads of geometry.tile_district

COMPOUND_TAILS = ("苑", "园", "小区", "花园", "家园", "新村", "雅居", "公寓")

#: District departments: code suffix (also the handler's username part), name, kind.
DEPARTMENTS: tuple[tuple[str, str, DepartmentKind], ...] = (
    ("cg", "城市管理局", DepartmentKind.city_management),
    ("zj", "住房和城乡建设委员会", DepartmentKind.housing),
    ("sj", "市场监督管理局", DepartmentKind.market_regulation),
    ("xf", "消防救援支队", DepartmentKind.fire),
    ("ga", "公安分局", DepartmentKind.police),
    ("hb", "生态环境局", DepartmentKind.ecology),
    ("sw", "水利局", DepartmentKind.water),
    ("jt", "交通局", DepartmentKind.transport),
)


def _unit(
    code: str, name: str, level: Level, parent: str | None, tiles: DistrictTiles | None, key: tuple
) -> UnitPlan:
    prefix = validate_code(code, level, parent)
    tile = None
    if tiles is not None:
        table = {
            Level.district: {(): tiles.district},
            Level.street: tiles.streets,
            Level.community: tiles.communities,
            Level.grid: tiles.grids,
            Level.micro_grid: tiles.micro_grids,
        }[level]
        tile = table[key]
    return UnitPlan(code, prefix, name, level, parent, tile)


def _units(seed: int, tiles: DistrictTiles) -> tuple[list[UnitPlan], dict[str, MicroSite]]:
    rng = random.Random(f"{seed}:places")
    streets = rng.sample(STREET_NAMES, len(tiles.streets))
    communities = rng.sample(COMMUNITY_NAMES, len(tiles.communities))
    compounds = rng.sample(
        [h + t for h in COMPOUND_HEADS for t in COMPOUND_TAILS], len(tiles.grids)
    )
    units = [
        _unit(CITY_CODE, CITY_NAME, Level.city, None, None, ()),
        _unit(DISTRICT_CODE, DISTRICT_NAME, Level.district, CITY_CODE, tiles, ()),
    ]
    sites: dict[str, MicroSite] = {}
    district_prefix = DISTRICT_CODE[:6]
    for s in range(STREETS):
        street_code = f"{district_prefix}{s + 1:03d}000"
        units.append(
            _unit(street_code, f"{streets[s]}街道", Level.street, DISTRICT_CODE, tiles, (s,))
        )
        for c in range(COMMUNITIES_PER_STREET):
            index = s * COMMUNITIES_PER_STREET + c
            community_code = f"{street_code[:9]}{c + 1:03d}"
            community = f"{communities[index]}社区"
            units.append(
                _unit(community_code, community, Level.community, street_code, tiles, (s, c))
            )
            # One newer building per community, where the developer still holds unsold units.
            new_building = rng.randrange(GRIDS_PER_COMMUNITY * MICRO_PER_GRID)
            for g in range(GRIDS_PER_COMMUNITY):
                grid_code = f"{community_code}{g + 1:03d}"
                compound = compounds[index * GRIDS_PER_COMMUNITY + g]
                name = f"{community}第{g + 1}网格（{compound}）"
                units.append(_unit(grid_code, name, Level.grid, community_code, tiles, (s, c, g)))
                for m in range(MICRO_PER_GRID):
                    code = f"{grid_code}{m + 1:03d}"
                    key = (s, c, g, m)
                    units.append(
                        _unit(code, f"{compound}{m + 1}栋", Level.micro_grid, grid_code, tiles, key)
                    )
                    is_new = new_building == g * MICRO_PER_GRID + m
                    sites[code] = MicroSite(code, compound, m + 1, is_new)
    return units, sites


def generate_plan(seed: int = 2026) -> DemoPlan:
    tiles = tile_district(random.Random(f"{seed}:geometry"))
    units, sites = _units(seed, tiles)
    centered = [u for u in units if u.level in (Level.city, Level.district, Level.street)]
    centers = tuple(
        CenterPlan(u.code, f"{u.name}治理中心", f"023-6386{i:04d}")
        for i, u in enumerate(centered, start=1)
    )
    departments = tuple(
        DepartmentPlan(
            f"{DISTRICT_CODE[:6]}-{short}", short, f"{DISTRICT_NAME}{name}", kind, DISTRICT_CODE
        )
        for short, name, kind in DEPARTMENTS
    )
    people_rng = random.Random(f"{seed}:people")
    ids = IdentityMaker(random.Random(f"{seed}:identities"))
    communities: list[CommunityPeople] = []
    for community in (u for u in units if u.level is Level.community):
        own = [site for code, site in sites.items() if code.startswith(community.prefix)]
        communities.append(generate_community(people_rng, ids, community.code, own))
    staff = plan_staff(random.Random(f"{seed}:staff"), units, list(departments))
    plan = DemoPlan(
        seed=seed,
        units=tuple(units),
        centers=centers,
        departments=departments,
        developer=OwnerPlan(DEVELOPER_KEY, OwnerKind.developer, DEVELOPER_NAME),
        communities=tuple(communities),
        staff=staff,
    )
    return replace(plan, party=generate_party(random.Random(f"{seed}:party"), plan))
