"""A small world with two streets and a persona for every role, as Healthchecks seeds Alice and Bob.

Units (codes extend their parent's):

    city 500100000000
      district 500103000000
        street A 500103001000 — community A1 500103001001 — grids A1-1 (…001), A1-2 (…002)
        street B 500103002000 — community B1 500103002001 — grid  B1-1 (…001)

Each grid is a 0.01° square (WGS-84) split into two micro-grids (west and east halves).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.auth import load_actor, login
from backend.config import Settings
from grid.actors import Actor
from grid.codes import validate_code
from grid.services.staff import GrantSpec, create_first_admin, create_staff
from grid.tables import Department, DepartmentKind, Level, OrgUnit, Role

PASSWORD = "Passw0rd-test"
ORIGIN_LON, ORIGIN_LAT = 106.50, 29.50
STEP = 0.01


def square(lon: float, lat: float, width: float = STEP, height: float = STEP) -> dict[str, object]:
    ring = [
        [lon, lat],
        [lon + width, lat],
        [lon + width, lat + height],
        [lon, lat + height],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class World:
    units: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    department_id: int = 0

    def headers(self, persona: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[persona]}"}


async def _unit(
    world: World,
    key: str,
    code: str,
    name: str,
    level: Level,
    parent: str | None,
    boundary: dict[str, object] | None = None,
) -> None:
    parent_code = world.codes[parent] if parent else None
    prefix = validate_code(code, level, parent_code)
    existing = await OrgUnit.select(OrgUnit.id).where(OrgUnit.code == code).first()
    if existing is None:
        row = (
            await OrgUnit.insert(
                OrgUnit(
                    code=code,
                    prefix=prefix,
                    name=name,
                    level=level,
                    parent=world.units[parent] if parent else None,
                    boundary=boundary,
                )
            )
        )[0]
        existing = {"id": row["id"]}
    world.units[key] = existing["id"]
    world.codes[key] = code


PERSONAS: dict[str, tuple[Role, str]] = {
    "grid_worker_a": (Role.grid_worker, "grid_a1_1"),
    "grid_worker_a2": (Role.grid_worker, "grid_a1_2"),
    "grid_leader_a": (Role.grid_leader, "grid_a1_1"),
    "community_staff_a": (Role.community_staff, "community_a1"),
    "street_a_staff": (Role.street_center_staff, "street_a"),
    "street_b_staff": (Role.street_center_staff, "street_b"),
    "grid_worker_b": (Role.grid_worker, "grid_b1_1"),
    "district_staff": (Role.district_center_staff, "district"),
    "department_handler": (Role.department_handler, "district"),
}


async def build_world(settings: Settings) -> World:
    w = World()
    await _unit(w, "city", "500100000000", "测试市", Level.city, None)
    await _unit(w, "district", "500103000000", "测试区", Level.district, "city")
    await _unit(w, "street_a", "500103001000", "甲街道", Level.street, "district")
    await _unit(w, "street_b", "500103002000", "乙街道", Level.street, "district")
    await _unit(w, "community_a1", "500103001001", "甲一社区", Level.community, "street_a")
    await _unit(w, "community_b1", "500103002001", "乙一社区", Level.community, "street_b")
    grids = {
        "grid_a1_1": ("500103001001001", "community_a1", 0),
        "grid_a1_2": ("500103001001002", "community_a1", 1),
        "grid_b1_1": ("500103002001001", "community_b1", 2),
    }
    for key, (code, parent, column) in grids.items():
        lon = ORIGIN_LON + column * STEP
        await _unit(w, key, code, f"{key}网格", Level.grid, parent, square(lon, ORIGIN_LAT))
        for half in (0, 1):
            await _unit(
                w,
                f"{key}_m{half + 1}",
                f"{code}00{half + 1}",
                f"{key}微网格{half + 1}",
                Level.micro_grid,
                key,
                square(lon + half * STEP / 2, ORIGIN_LAT, width=STEP / 2),
            )
    dept = await Department.select(Department.id).where(Department.code == "T-CG").first()
    if dept is None:
        dept = (
            await Department.insert(
                Department(
                    code="T-CG",
                    name="测试区城市管理局",
                    kind=DepartmentKind.city_management,
                    unit=w.units["district"],
                    unit_prefix="500103",
                )
            )
        )[0]
    w.department_id = dept["id"]

    w.staff["admin"] = await create_first_admin("t_admin", PASSWORD, w.units["city"])
    admin = await load_actor(w.staff["admin"])
    for name, (role, unit_key) in PERSONAS.items():
        department = w.department_id if role is Role.department_handler else None
        w.staff[name] = await create_staff(
            admin,
            username=f"t_{name}",
            display_name=name,
            password=PASSWORD,
            phone="13800138000",
            grants=[GrantSpec(role, w.units[unit_key], department)],
        )
    for name, staff_id in w.staff.items():
        issued = await login(f"t_{name}", PASSWORD, "127.0.0.1", settings)
        w.tokens[name] = issued.token
        w.actors[name] = await load_actor(staff_id)
    return w
