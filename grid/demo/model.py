"""The demo district as plain data, before anything touches the database.

:func:`grid.demo.plan.generate_plan` builds a :class:`DemoPlan` from a seed alone (pure and
deterministic); :mod:`grid.demo.writer` stores it. Rows refer to each other by natural keys
(unit codes, ID numbers, owner keys), never by database ids, so a half-written demo can be
resumed and two plans from one seed compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from grid.demo.geometry import Tile
from grid.tables import (
    CareTag,
    DepartmentKind,
    Level,
    OwnerKind,
    PartyOrgKind,
    PartyRole,
    Role,
    Tenure,
)

#: Reference year for ages, fixed so the same seed gives the same people in any year.
DEMO_YEAR = 2026
DEVELOPER_KEY = "developer"


@dataclass(frozen=True)
class UnitPlan:
    code: str
    prefix: str
    name: str
    level: Level
    parent_code: str | None
    tile: Tile | None = None


@dataclass(frozen=True)
class CenterPlan:
    unit_code: str
    name: str
    phone: str


@dataclass(frozen=True)
class DepartmentPlan:
    code: str
    short: str  # used in handler usernames: dept_<short>_handler
    name: str
    kind: DepartmentKind
    unit_code: str


@dataclass(frozen=True)
class OwnerPlan:
    key: str
    kind: OwnerKind
    name: str
    id_number: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class HousePlan:
    micro_code: str
    building: str
    entrance: str
    room: str
    address: str
    area_centi: int
    owner_key: str

    @property
    def label(self) -> str:
        """Building-entrance-room, as residents say it: 1-2-301."""
        return f"{self.building}-{self.entrance}-{self.room}"


@dataclass(frozen=True)
class ResidentPlan:
    name: str
    gender: str
    birth_year: int
    relation: str
    id_number: str
    phone: str | None
    owner_key: str | None
    tags: tuple[CareTag, ...] = ()


@dataclass(frozen=True)
class HouseholdPlan:
    house: int  # index into CommunityPeople.houses
    tenure: Tenure
    residents: tuple[ResidentPlan, ...]


@dataclass(frozen=True)
class CommunityPeople:
    """Everything living in one community; written in one transaction."""

    community_code: str
    owners: tuple[OwnerPlan, ...]  # person owners first seen in this community
    houses: tuple[HousePlan, ...]
    households: tuple[HouseholdPlan, ...]


@dataclass(frozen=True)
class PartyMemberPlan:
    name: str
    role: PartyRole
    joined_on: date
    resident_id_number: str | None = None
    micro_code: str | None = None  # 党员楼栋长: the building (micro-grid) they lead
    with_household: bool = False  # 党员中心户: linked to the member's own household
    leader_id_number: str | None = None  # 党员中心户 → its 楼栋长
    staff_username: str | None = None  # a member who is a staff account


@dataclass(frozen=True)
class PartyOrgPlan:
    unit_code: str
    name: str
    kind: PartyOrgKind
    parent_unit_code: str | None
    members: tuple[PartyMemberPlan, ...]


@dataclass(frozen=True)
class StaffPlan:
    username: str
    display_name: str
    role: Role
    unit_code: str
    phone: str
    department_code: str | None = None


@dataclass(frozen=True)
class DemoPlan:
    seed: int
    units: tuple[UnitPlan, ...]  # parents before children
    centers: tuple[CenterPlan, ...]
    departments: tuple[DepartmentPlan, ...]
    developer: OwnerPlan
    communities: tuple[CommunityPeople, ...]
    staff: tuple[StaffPlan, ...]
    party: dict[str, tuple[PartyOrgPlan, ...]] = field(default_factory=dict)  # by street code

    def unit(self, code: str) -> UnitPlan:
        return next(u for u in self.units if u.code == code)

    def units_at(self, level: Level) -> list[UnitPlan]:
        return [u for u in self.units if u.level is level]
