"""Storing a :class:`DemoPlan`: org units, centers, departments and each community's people.

Bulk inserts of a few hundred rows per statement, each step in its own short write
transaction (one per level of units, one per community), so a build never holds the write
lock for long and a build that stopped half-way resumes: each step first looks at what is
already stored (units by code, a community's people by its house units) and writes only what
is missing. Ids returned by a multi-row insert come back in the order of its rows (PostgreSQL
and SQLite ≥ 3.35 ``RETURNING``, as Piccolo itself relies on).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from backend import clock
from backend.db import write_transaction
from backend.pii import name_lookup_hash, seal_id_number, seal_phone, seal_text
from grid.codes import ORDER
from grid.demo.model import DEVELOPER_KEY, CommunityPeople, DemoPlan
from grid.services.people_fields import Gender
from grid.services.resident_names import index_names
from grid.tables import (
    Department,
    GovernanceCenter,
    Household,
    HouseUnit,
    Level,
    OrgUnit,
    Owner,
    OwnerKind,
    Ownership,
    Resident,
    ResidentTag,
)

BATCH = 300
T = TypeVar("T")


@dataclass
class Steps:
    """Progress of a build: a (possibly disabled) tqdm bar and how many rows were written."""

    bar: Any
    written: int = 0

    def done(self, written: int = 0) -> None:
        self.bar.update(1)
        self.written += written


def batches(rows: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def insert_all(table: Any, rows: Sequence[Any]) -> list[int]:
    """Insert ``rows`` a batch at a time; their ids, in the same order."""
    ids: list[int] = []
    for chunk in batches(rows):
        ids += [r["id"] for r in await table.insert(*chunk)]
    if len(ids) != len(rows):
        raise RuntimeError(f"{table._meta.tablename}: inserted {len(rows)}, got {len(ids)} ids")
    return ids


async def stored_unit_ids(plan: DemoPlan) -> dict[str, int]:
    codes = [u.code for u in plan.units]
    found: dict[str, int] = {}
    for chunk in batches(codes, 500):
        rows = await OrgUnit.select(OrgUnit.code, OrgUnit.id).where(OrgUnit.code.is_in(chunk))
        found |= {r["code"]: r["id"] for r in rows}
    return found


async def write_units(plan: DemoPlan, steps: Steps) -> dict[str, int]:
    """Every unit of the plan (a pre-existing city is reused as it is); code → id."""
    ids = await stored_unit_ids(plan)
    now = clock.now()
    for level in ORDER:
        missing = [u for u in plan.units if u.level is level and u.code not in ids]
        if missing:
            rows = [
                OrgUnit(
                    code=u.code,
                    prefix=u.prefix,
                    name=u.name,
                    level=u.level,
                    parent=ids[u.parent_code] if u.parent_code else None,
                    boundary=u.tile.boundary if u.tile else None,
                    centroid_lon=u.tile.centroid_lon if u.tile else None,
                    centroid_lat=u.tile.centroid_lat if u.tile else None,
                    created_at=now,
                    updated_at=now,
                )
                for u in missing
            ]
            async with write_transaction():
                new = await insert_all(OrgUnit, rows)
            ids |= {u.code: i for u, i in zip(missing, new, strict=True)}
        steps.done(len(missing))
    return ids


async def write_org(plan: DemoPlan, units: dict[str, int], steps: Steps) -> int:
    """Governance centers, departments and the developer; the developer owner's id."""
    async with write_transaction():
        centered = [units[c.unit_code] for c in plan.centers]
        have = {
            r["unit"]
            for r in await GovernanceCenter.select(GovernanceCenter.unit).where(
                GovernanceCenter.unit.is_in(centered)
            )
        }
        centers = [
            GovernanceCenter(unit=units[c.unit_code], name=c.name, phone=c.phone)
            for c in plan.centers
            if units[c.unit_code] not in have
        ]
        await insert_all(GovernanceCenter, centers)
        codes = [d.code for d in plan.departments]
        have_codes = {
            r["code"]
            for r in await Department.select(Department.code).where(Department.code.is_in(codes))
        }
        departments = [
            Department(
                code=d.code,
                name=d.name,
                kind=d.kind,
                unit=units[d.unit_code],
                unit_prefix=plan.unit(d.unit_code).prefix,
            )
            for d in plan.departments
            if d.code not in have_codes
        ]
        await insert_all(Department, departments)
        developer = (
            await Owner.select(Owner.id)
            .where(
                (Owner.kind == OwnerKind.developer)
                & (Owner.name_hash == name_lookup_hash(plan.developer.name))
            )
            .first()
        )
        if developer is None:
            row = Owner(
                kind=OwnerKind.developer,
                name_enc=seal_text(plan.developer.name),
                name_hash=name_lookup_hash(plan.developer.name),
            )
            developer = {"id": (await insert_all(Owner, [row]))[0]}
    steps.done(len(centers) + len(departments))
    return int(developer["id"])


async def communities_with_people(plan: DemoPlan) -> set[str]:
    """Communities whose people are stored (they are written all at once, so any house
    unit means all of them)."""
    district = plan.units_at(Level.district)[0]
    rows = await (
        HouseUnit.select(HouseUnit.unit_prefix)
        .where(HouseUnit.unit_prefix.like(district.prefix + "%"))
        .distinct()
    )
    stored = {r["unit_prefix"] for r in rows}
    return {
        c.community_code
        for c in plan.communities
        if any(p.startswith(plan.unit(c.community_code).prefix) for p in stored)
    }


#: The plan speaks Chinese (男/女, as the name generator does); the register stores ``Gender``.
_GENDERS = {"男": Gender.male, "女": Gender.female}


async def write_community(
    people: CommunityPeople, units: dict[str, int], developer_id: int
) -> None:
    """One community's houses, owners, households, residents and tags, in one transaction."""
    now = clock.now()
    async with write_transaction():
        house_ids = await insert_all(
            HouseUnit,
            [
                HouseUnit(
                    micro_grid=units[h.micro_code],
                    unit_prefix=h.micro_code,
                    building=h.building,
                    entrance=h.entrance,
                    room=h.room,
                    address_enc=seal_text(h.address),
                    exclusive_area_centi=h.area_centi,
                    created_at=now,
                )
                for h in people.houses
            ],
        )
        owner_rows = []
        for o in people.owners:
            id_number, phone = seal_id_number(o.id_number), seal_phone(o.phone)
            owner_rows.append(
                Owner(
                    kind=o.kind,
                    name_enc=seal_text(o.name),
                    name_hash=name_lookup_hash(o.name),
                    id_number_enc=id_number.enc,
                    id_number_hash=id_number.hash,
                    phone_enc=phone.enc,
                    phone_hash=phone.hash,
                )
            )
        owner_ids = dict(
            zip([o.key for o in people.owners], await insert_all(Owner, owner_rows), strict=True)
        )
        owner_ids[DEVELOPER_KEY] = developer_id
        await insert_all(
            Ownership,
            [
                Ownership(house_unit=i, owner=owner_ids[h.owner_key])
                for h, i in zip(people.houses, house_ids, strict=True)
            ],
        )
        household_ids = await insert_all(
            Household,
            [
                Household(
                    house_unit=house_ids[h.house],
                    unit_prefix=people.houses[h.house].micro_code,
                    tenure=h.tenure,
                    created_at=now,
                )
                for h in people.households
            ],
        )
        residents = []
        for household, household_id in zip(people.households, household_ids, strict=True):
            prefix = people.houses[household.house].micro_code
            for r in household.residents:
                id_number, phone = seal_id_number(r.id_number), seal_phone(r.phone)
                residents.append(
                    Resident(
                        household=household_id,
                        unit_prefix=prefix,
                        name_enc=seal_text(r.name),
                        gender=_GENDERS[r.gender],
                        birth_year=r.birth_year,
                        relation=r.relation,
                        phone_enc=phone.enc,
                        phone_hash=phone.hash,
                        id_number_enc=id_number.enc,
                        id_number_hash=id_number.hash,
                        owner=owner_ids[r.owner_key] if r.owner_key else None,
                        created_at=now,
                        updated_at=now,
                    )
                )
        resident_ids = await insert_all(Resident, residents)
        plans = [r for h in people.households for r in h.residents]
        await index_names((i, r.name) for r, i in zip(plans, resident_ids, strict=True))
        await insert_all(
            ResidentTag,
            [
                ResidentTag(resident=i, tag=tag)
                for r, i in zip(plans, resident_ids, strict=True)
                for tag in r.tags
            ],
        )
