"""Households (户) living in a house unit: owner-occupied, rented or other.

A house unit usually has one household; a shared or sublet flat may have several. Members are
residents (:mod:`grid.services.residents`); a household is shown with its members' names
and relations, never their phone or ID numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode
from backend.pii import open_text
from grid.actors import Actor
from grid.services.house_units import house_label
from grid.services.people_access import (
    MANAGE,
    access_house_unit,
    access_household,
    read_prefixes,
    restamp_household,
    under,
)
from grid.services.people_fields import KEEP, Keep
from grid.services.pii_views import shown_name
from grid.tables import Household, Resident, Tenure


@dataclass(frozen=True)
class MemberView:
    id: int
    name: str
    relation: str


@dataclass(frozen=True)
class HouseholdView:
    id: int
    house_unit_id: int
    house_unit_label: str
    unit_prefix: str
    tenure: Tenure
    members: list[MemberView]
    created_at: datetime


_COLUMNS = (
    Household.id,
    Household.house_unit,
    Household.unit_prefix,
    Household.tenure,
    Household.created_at,
    Household.house_unit.building.as_alias("building"),
    Household.house_unit.entrance.as_alias("entrance"),
    Household.house_unit.room.as_alias("room"),
)


async def _views(actor: Actor, rows: list[dict[str, Any]]) -> list[HouseholdView]:
    members: dict[int, list[MemberView]] = {r["id"]: [] for r in rows}
    prefixes = {r["id"]: r["unit_prefix"] for r in rows}
    if rows:
        for m in await (
            Resident.select(Resident.id, Resident.household, Resident.name_enc, Resident.relation)
            .where(Resident.household.is_in(list(members)))
            .order_by(Resident.id)
        ):
            name = shown_name(actor, prefixes[m["household"]], open_text(m["name_enc"]))
            members[m["household"]].append(MemberView(m["id"], name, m["relation"]))
    return [
        HouseholdView(
            id=r["id"],
            house_unit_id=r["house_unit"],
            house_unit_label=house_label(r["building"], r["entrance"], r["room"]),
            unit_prefix=r["unit_prefix"],
            tenure=Tenure(r["tenure"]),
            members=members[r["id"]],
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def get_household(actor: Actor, household_id: int) -> HouseholdView:
    await access_household(actor, household_id)
    rows = await Household.select(*_COLUMNS).where(Household.id == household_id)
    return (await _views(actor, rows))[0]


async def create_household(
    actor: Actor, house_unit_id: int, tenure: Tenure = Tenure.owner_occupied
) -> HouseholdView:
    unit = await access_house_unit(actor, house_unit_id, MANAGE)
    async with write_transaction():
        row = await Household.insert(
            Household(house_unit=house_unit_id, unit_prefix=unit["unit_prefix"], tenure=tenure)
        ).returning(Household.id)
    return await get_household(actor, row[0]["id"])


async def update_household(
    actor: Actor,
    household_id: int,
    *,
    tenure: Tenure | Keep = KEEP,
    house_unit_id: int | Keep = KEEP,
) -> HouseholdView:
    """Change the tenure, or move the household (with its residents) to another house unit."""
    row = await access_household(actor, household_id, MANAGE)
    target = None
    if not isinstance(house_unit_id, Keep) and house_unit_id != row["house_unit"]:
        target = await access_house_unit(actor, house_unit_id, MANAGE)
    async with write_transaction():
        if not isinstance(tenure, Keep):
            await Household.update({Household.tenure: tenure}).where(Household.id == household_id)
        if target is not None:
            await Household.update({Household.house_unit: target["id"]}).where(
                Household.id == household_id
            )
            await restamp_household(household_id, target["unit_prefix"])
    return await get_household(actor, household_id)


async def delete_household(actor: Actor, household_id: int) -> None:
    """Only an empty household goes: residents are moved or removed first, on purpose."""
    await access_household(actor, household_id, MANAGE)
    async with write_transaction():
        if await Resident.exists().where(Resident.household == household_id):
            raise DomainError(ErrorCode.HOUSEHOLD_NOT_EMPTY)
        await Household.delete().where(Household.id == household_id)


async def list_households(
    actor: Actor,
    *,
    unit_id: int | None = None,
    house_unit_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[HouseholdView], int]:
    condition: Any = under(Household.unit_prefix, await read_prefixes(actor, unit_id))
    if house_unit_id is not None:
        await access_house_unit(actor, house_unit_id)
        condition = condition & (Household.house_unit == house_unit_id)
    total = await Household.count().where(condition)
    rows = (
        await Household.select(*_COLUMNS)
        .where(condition)
        .order_by(Household.id)
        .offset(offset)
        .limit(limit)
    )
    return await _views(actor, rows), total
