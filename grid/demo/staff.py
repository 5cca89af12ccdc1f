"""The demo's staff accounts (pure): one login for every job, with readable usernames.

Only the accounts a demo needs are made (argon2 hashing costs ~50 ms each): the admin and the
city center at the city; the district center; each street's center; the community staff of the
first street's communities and of the second street's first community; a grid leader and a
grid worker for every grid of the first community and for the second street's first grid; a
handler for every department. All share one known password — the CLI refuses demo data in
production.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from grid.demo.model import DepartmentPlan, StaffPlan, UnitPlan
from grid.demo.names import IdentityMaker, person_name
from grid.tables import Level, Role

DEMO_PASSWORD = "demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    unit_name: str


def plan_staff(
    rng: random.Random, units: list[UnitPlan], departments: list[DepartmentPlan]
) -> tuple[StaffPlan, ...]:
    ids = IdentityMaker(rng)
    by_level = {level: [u for u in units if u.level is level] for level in Level}
    city, district = by_level[Level.city][0], by_level[Level.district][0]
    streets = by_level[Level.street]
    communities = by_level[Level.community]
    grids = by_level[Level.grid]
    first_street = [c for c in communities if c.parent_code == streets[0].code]
    second_street_first = next(c for c in communities if c.parent_code == streets[1].code)

    def staff(
        username: str, role: Role, unit: UnitPlan, department: str | None = None
    ) -> StaffPlan:
        gender = rng.choice(("男", "女"))
        return StaffPlan(
            username=username,
            display_name=person_name(rng, gender),
            role=role,
            unit_code=unit.code,
            phone=ids.phone(),
            department_code=department,
        )

    out = [
        staff("admin", Role.admin, city),
        staff("city_center", Role.city_center_staff, city),
        staff("district_center", Role.district_center_staff, district),
    ]
    out += [staff(f"street{i}_center", Role.street_center_staff, s) for i, s in _numbered(streets)]
    numbered_communities = dict(_numbered(communities))
    for number, community in numbered_communities.items():
        if community in first_street or community == second_street_first:
            out.append(staff(f"community{number}_staff", Role.community_staff, community))
    frontline = {c.code for c in first_street[:1]} | {second_street_first.code}
    seen_second = False
    for number, grid in _numbered(grids):
        if grid.parent_code not in frontline:
            continue
        if grid.parent_code == second_street_first.code:
            if seen_second:
                continue
            seen_second = True
        out.append(staff(f"grid{number}_leader", Role.grid_leader, grid))
        out.append(staff(f"grid{number}_worker", Role.grid_worker, grid))
    out += [
        staff(f"dept_{d.short}_handler", Role.department_handler, district, d.code)
        for d in departments
    ]
    return tuple(out)


def _numbered(units: list[UnitPlan]) -> list[tuple[int, UnitPlan]]:
    """Units numbered 1.. across the district in code order (community7 is the seventh)."""
    return list(enumerate(sorted(units, key=lambda u: u.code), start=1))


def logins(staff: tuple[StaffPlan, ...], unit_names: dict[str, str]) -> list[DemoLogin]:
    return [DemoLogin(s.username, DEMO_PASSWORD, s.role, unit_names[s.unit_code]) for s in staff]
