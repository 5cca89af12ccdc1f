"""What the signed-in user is: their resident record and home, their staff grants.

Owner status is read from the house unit's owner records (the resident's linked owner holds
the unit), never from anything the user says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from community.services.access import resident_place
from grid.services.house_units import house_label
from grid.tables import HouseUnit, OrgUnit, Ownership
from miniprogram_api.services.sessions import Principal


@dataclass(frozen=True)
class ResidentProfile:
    resident_id: int
    name: str
    household_id: int
    house_unit_id: int
    house: str
    micro_grid: str
    is_owner: bool
    owned_units: int


@dataclass(frozen=True)
class GrantView:
    role: str
    unit_id: int
    unit_name: str


@dataclass(frozen=True)
class StaffProfile:
    staff_id: int
    name: str
    grants: list[GrantView] = field(default_factory=list)


@dataclass(frozen=True)
class Profile:
    resident: ResidentProfile | None
    staff: StaffProfile | None


async def resident_profile(resident_id: int) -> ResidentProfile | None:
    place = await resident_place(resident_id)
    if place is None:
        return None
    house = (
        await HouseUnit.select(
            HouseUnit.building, HouseUnit.entrance, HouseUnit.room, HouseUnit.micro_grid.name
        )
        .where(HouseUnit.id == place.house_unit_id)
        .first()
    )
    assert house is not None
    owned = 0
    is_owner = False
    if place.owner_id is not None:
        owned = await Ownership.count().where(Ownership.owner == place.owner_id)
        is_owner = await Ownership.exists().where(
            (Ownership.owner == place.owner_id) & (Ownership.house_unit == place.house_unit_id)
        )
    return ResidentProfile(
        resident_id=resident_id,
        name=place.name,
        household_id=place.household_id,
        house_unit_id=place.house_unit_id,
        house=house_label(house["building"], house["entrance"], house["room"]),
        micro_grid=house["micro_grid.name"],
        is_owner=bool(is_owner),
        owned_units=owned,
    )


async def profile(principal: Principal) -> Profile:
    resident = None
    if principal.resident is not None:
        resident = await resident_profile(principal.resident.id)
    staff = None
    if principal.staff is not None:
        units = {g.unit_id for g in principal.staff.grants}
        names = {
            r["id"]: r["name"]
            for r in await OrgUnit.select(OrgUnit.id, OrgUnit.name).where(
                OrgUnit.id.is_in(sorted(units) or [0])
            )
        }
        staff = StaffProfile(
            principal.staff.id,
            principal.staff.name,
            [
                GrantView(str(g.role), g.unit_id, names.get(g.unit_id, ""))
                for g in principal.staff.grants
            ],
        )
    return Profile(resident, staff)
