"""House units (房屋) in a micro-grid, with their exclusive area and owners.

A house unit is a building / entrance (单元) / room inside one micro-grid, unique there. Its
exclusive area (专有部分面积) is exact (see :mod:`grid.services.people_fields`); ``None``
means not yet known. Owners are replaced as a whole set (co-owners), see
:mod:`grid.services.owners`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode
from backend.pii import open_text, seal_text
from grid.actors import Actor
from grid.services.owners import (
    OwnerSpec,
    OwnerView,
    drop_orphan_owners,
    owners_of,
    replace_owners,
    seal_owner,
)
from grid.services.people_access import (
    MANAGE,
    access_house_unit,
    load_micro_grid,
    read_prefixes,
    restamp_house_unit,
    under,
)
from grid.services.people_fields import (
    ADDRESS_MAX,
    BUILDING_MAX,
    ENTRANCE_MAX,
    KEEP,
    ROOM_MAX,
    Keep,
    area_centi,
    area_decimal,
    clean_text,
)
from grid.services.pii_views import check_reveal, log_reveal
from grid.tables import AreaSource, Household, HouseUnit, Ownership


@dataclass(frozen=True)
class HouseUnitDraft:
    micro_grid_id: int
    building: str
    room: str
    entrance: str = ""
    address: str = ""
    exclusive_area: Decimal | str | None = None
    area_source: AreaSource = AreaSource.registered


@dataclass(frozen=True)
class HouseUnitChanges:
    """Fields to change; ``KEEP`` leaves one as it is."""

    micro_grid_id: int | Keep = KEEP
    building: str | Keep = KEEP
    entrance: str | Keep = KEEP
    room: str | Keep = KEEP
    address: str | Keep = KEEP
    exclusive_area: Decimal | str | Keep | None = KEEP
    area_source: AreaSource | Keep = KEEP


@dataclass(frozen=True)
class HouseUnitView:
    id: int
    micro_grid_id: int
    unit_prefix: str
    building: str
    entrance: str
    room: str
    label: str
    address: str
    exclusive_area: Decimal | None
    area_source: AreaSource
    owners: list[OwnerView]
    household_count: int
    created_at: datetime


def house_label(building: str, entrance: str, room: str) -> str:
    """3 / 2 / 501 → 3栋2单元501: how staff say a house unit aloud."""
    parts = [building + ("栋" if building.isdigit() else "")]
    if entrance:
        parts.append(entrance + ("单元" if entrance.isdigit() else ""))
    parts.append(room)
    return "".join(parts)


def _place(building: str, entrance: str, room: str) -> tuple[str, str, str]:
    return (
        clean_text(building, "building", BUILDING_MAX, required=True),
        clean_text(entrance, "entrance", ENTRANCE_MAX),
        clean_text(room, "room", ROOM_MAX, required=True),
    )


async def _check_free(micro_grid_id: int, place: tuple[str, str, str], own_id: int = 0) -> None:
    building, entrance, room = place
    if await HouseUnit.exists().where(
        (HouseUnit.micro_grid == micro_grid_id)
        & (HouseUnit.building == building)
        & (HouseUnit.entrance == entrance)
        & (HouseUnit.room == room)
        & (HouseUnit.id != own_id)
    ):
        raise DomainError(ErrorCode.HOUSE_UNIT_TAKEN)


async def _views(
    actor: Actor, rows: list[dict[str, Any]], *, reveal: bool = False
) -> list[HouseUnitView]:
    owners = await owners_of(actor, rows, reveal=reveal)
    counts: dict[int, int] = {}
    if rows:
        for r in await Household.select(Household.house_unit).where(
            Household.house_unit.is_in([r["id"] for r in rows])
        ):
            counts[r["house_unit"]] = counts.get(r["house_unit"], 0) + 1
    return [
        HouseUnitView(
            id=r["id"],
            micro_grid_id=r["micro_grid"],
            unit_prefix=r["unit_prefix"],
            building=r["building"],
            entrance=r["entrance"],
            room=r["room"],
            label=house_label(r["building"], r["entrance"], r["room"]),
            address=open_text(r["address_enc"]),
            exclusive_area=area_decimal(r["exclusive_area_centi"]),
            area_source=AreaSource(r["area_source"]),
            owners=owners[r["id"]],
            household_count=counts.get(r["id"], 0),
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def get_house_unit(actor: Actor, house_unit_id: int) -> HouseUnitView:
    return (await _views(actor, [await access_house_unit(actor, house_unit_id)]))[0]


async def reveal_owners(actor: Actor, house_unit_id: int, *, reason: str) -> HouseUnitView:
    """The unit with its owners' full phone and ID numbers: a full read for the frontline
    roles, one log row per owner shown, written in the transaction that reads them."""
    row = await access_house_unit(actor, house_unit_id)
    why = check_reveal(
        actor, row["unit_prefix"], kind="house_unit", ident=house_unit_id, reason=reason
    )
    async with write_transaction():
        view = (await _views(actor, [row], reveal=True))[0]
        for owner in view.owners:
            fields = [f for f in ("phone", "id_number") if getattr(owner, f) is not None]
            await log_reveal(
                actor, subject_kind="owner", subject_id=owner.id, fields=fields, reason=why
            )
    return view


async def create_house_unit(actor: Actor, draft: HouseUnitDraft) -> HouseUnitView:
    micro_grid = await load_micro_grid(actor, draft.micro_grid_id)
    place = _place(draft.building, draft.entrance, draft.room)
    address = clean_text(draft.address, "address", ADDRESS_MAX)
    centi = area_centi(draft.exclusive_area)
    async with write_transaction():
        await _check_free(micro_grid["id"], place)
        row = await HouseUnit.insert(
            HouseUnit(
                micro_grid=micro_grid["id"],
                unit_prefix=micro_grid["prefix"],
                building=place[0],
                entrance=place[1],
                room=place[2],
                address_enc=seal_text(address),
                exclusive_area_centi=centi or 0,
                area_source=draft.area_source,
            )
        ).returning(HouseUnit.id)
    return await get_house_unit(actor, row[0]["id"])


async def update_house_unit(
    actor: Actor, house_unit_id: int, changes: HouseUnitChanges
) -> HouseUnitView:
    row = await access_house_unit(actor, house_unit_id, MANAGE)
    micro_grid = None
    if not isinstance(changes.micro_grid_id, Keep) and changes.micro_grid_id != row["micro_grid"]:
        micro_grid = await load_micro_grid(actor, changes.micro_grid_id)
    place = _place(
        row["building"] if isinstance(changes.building, Keep) else changes.building,
        row["entrance"] if isinstance(changes.entrance, Keep) else changes.entrance,
        row["room"] if isinstance(changes.room, Keep) else changes.room,
    )
    values: dict[Any, Any] = {
        HouseUnit.building: place[0],
        HouseUnit.entrance: place[1],
        HouseUnit.room: place[2],
    }
    if not isinstance(changes.address, Keep):
        values[HouseUnit.address_enc] = seal_text(
            clean_text(changes.address, "address", ADDRESS_MAX)
        )
    if not isinstance(changes.exclusive_area, Keep):
        values[HouseUnit.exclusive_area_centi] = area_centi(changes.exclusive_area) or 0
    if not isinstance(changes.area_source, Keep):
        values[HouseUnit.area_source] = changes.area_source
    target = micro_grid["id"] if micro_grid else row["micro_grid"]
    async with write_transaction():
        await _check_free(target, place, own_id=house_unit_id)
        if micro_grid is not None:
            values[HouseUnit.micro_grid] = micro_grid["id"]
            await restamp_house_unit(house_unit_id, micro_grid["prefix"])
        await HouseUnit.update(values).where(HouseUnit.id == house_unit_id)
    return await get_house_unit(actor, house_unit_id)


async def delete_house_unit(actor: Actor, house_unit_id: int) -> None:
    """Only an empty unit goes; its owners who own nothing else go with it."""
    await access_house_unit(actor, house_unit_id, MANAGE)
    async with write_transaction():
        if await Household.exists().where(Household.house_unit == house_unit_id):
            raise DomainError(ErrorCode.HOUSE_UNIT_NOT_EMPTY)
        owners = [
            r["owner"]
            for r in await Ownership.select(Ownership.owner).where(
                Ownership.house_unit == house_unit_id
            )
        ]
        await HouseUnit.delete().where(HouseUnit.id == house_unit_id)
        await drop_orphan_owners(owners)


async def set_owners(actor: Actor, house_unit_id: int, owners: list[OwnerSpec]) -> HouseUnitView:
    """Replace the unit's owners (co-owners); an empty list leaves it without owners."""
    await access_house_unit(actor, house_unit_id, MANAGE)
    sealed = [seal_owner(spec) for spec in owners]
    async with write_transaction():
        await replace_owners(house_unit_id, sealed)
    return await get_house_unit(actor, house_unit_id)


async def list_house_units(
    actor: Actor,
    *,
    unit_id: int | None = None,
    building: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[HouseUnitView], int]:
    """House units in the actor's scope (or one unit's subtree, e.g. a micro-grid), owners
    included, ordered by building, entrance and room."""
    condition: Any = under(HouseUnit.unit_prefix, await read_prefixes(actor, unit_id))
    if building:
        condition = condition & (HouseUnit.building == building.strip())
    total = await HouseUnit.count().where(condition)
    rows = (
        await HouseUnit.select()
        .where(condition)
        .order_by(HouseUnit.unit_prefix, HouseUnit.building, HouseUnit.entrance, HouseUnit.room)
        .order_by(HouseUnit.id)
        .offset(offset)
        .limit(limit)
    )
    return await _views(actor, rows), total
