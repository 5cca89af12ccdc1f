"""A building of owners and residents written in bulk, for votes with many voters.

Each call makes a fresh building in a micro-grid of the test world (so tests sharing the
session database never see each other's units) with one house unit per voter, its owner,
a household and a resident linked to that owner — the way ``grid.services.owners`` links a
resident whose ID number matches an owner's. ``developer_units`` of them belong to one
developer; ``tenants`` adds residents of the first units who own nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from backend import clock
from backend.pii import name_lookup_hash, seal_text
from community.services import matters, roll
from community.tables import MatterKind, PollUnit, ScopeKind
from grid.actors import Actor
from grid.services.resident_ids import fresh_resident_ids
from grid.services.resident_names import index_names
from grid.tables import Household, HouseUnit, OrgUnit, Owner, OwnerKind, Ownership, Resident
from tests import people_data as pd

CHUNK = 500
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@dataclass
class Estate:
    micro_grid_id: int
    prefix: str
    building: str
    unit_ids: list[int] = field(default_factory=list)
    owner_ids: list[int] = field(default_factory=list)
    resident_ids: list[int] = field(default_factory=list)
    tenant_ids: list[int] = field(default_factory=list)
    developer_id: int | None = None

    def voter(self, i: int) -> Actor:
        return Actor(kind="resident", id=self.resident_ids[i], name=f"业主{i}")

    def tenant(self, i: int) -> Actor:
        return Actor(kind="resident", id=self.tenant_ids[i], name=f"租户{i}")


async def _insert(table, rows, *returning):
    out = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        if table is Resident:  # never a retired id (SQLite refuses one; see resident_ids)
            for new_id, row in zip(await fresh_resident_ids(len(chunk)) or [], chunk, strict=False):
                row.id = new_id
        out += await table.insert(*chunk).returning(*returning)
    return out


async def build_estate(
    world,
    units: int,
    *,
    micro: str = "grid_a1_1_m1",
    area_centi: int | list[int] = 10_000,
    developer_units: int = 0,
    tenants: int = 0,
) -> Estate:
    micro_id = world.units[micro]
    unit = await OrgUnit.select(OrgUnit.prefix).where(OrgUnit.id == micro_id).first()
    prefix = unit["prefix"]
    estate = Estate(micro_id, prefix, pd.building())
    areas = area_centi if isinstance(area_centi, list) else [area_centi] * units
    houses = await _insert(
        HouseUnit,
        [
            HouseUnit(
                micro_grid=micro_id,
                unit_prefix=prefix,
                building=estate.building,
                entrance="1",
                room=f"{1000 + i}",
                exclusive_area_centi=areas[i],
            )
            for i in range(units)
        ],
        HouseUnit.id,
    )
    estate.unit_ids = [h["id"] for h in houses]
    if developer_units:
        dev = await Owner.insert(
            Owner(
                kind=OwnerKind.developer,
                name_enc=seal_text("测试置业有限公司"),
                name_hash=name_lookup_hash("测试置业有限公司"),
            )
        ).returning(Owner.id)
        estate.developer_id = dev[0]["id"]
    sold = units - developer_units
    owners = await _insert(
        Owner,
        [
            Owner(
                kind=OwnerKind.person,
                name_enc=seal_text(f"业主{i}"),
                name_hash=name_lookup_hash(f"业主{i}"),
            )
            for i in range(sold)
        ],
        Owner.id,
    )
    estate.owner_ids = [o["id"] for o in owners]
    ownerships = [
        Ownership(house_unit=estate.unit_ids[i], owner=estate.owner_ids[i]) for i in range(sold)
    ] + [
        Ownership(house_unit=estate.unit_ids[i], owner=estate.developer_id)
        for i in range(sold, units)
    ]
    await _insert(Ownership, ownerships, Ownership.id)
    households = await _insert(
        Household,
        [Household(house_unit=estate.unit_ids[i], unit_prefix=prefix) for i in range(sold)],
        Household.id,
    )
    residents = await _insert(
        Resident,
        [
            Resident(
                household=households[i]["id"],
                unit_prefix=prefix,
                name_enc=seal_text(f"业主{i}"),
                owner=estate.owner_ids[i],
            )
            for i in range(sold)
        ],
        Resident.id,
    )
    estate.resident_ids = [r["id"] for r in residents]
    await index_names((rid, f"业主{i}") for i, rid in enumerate(estate.resident_ids))
    if tenants:
        extra = await _insert(
            Resident,
            [
                Resident(
                    household=households[i]["id"],
                    unit_prefix=prefix,
                    name_enc=seal_text(f"租户{i}"),
                )
                for i in range(tenants)
            ],
            Resident.id,
        )
        estate.tenant_ids = [r["id"] for r in extra]
        await index_names((rid, f"租户{i}") for i, rid in enumerate(estate.tenant_ids))
    return estate


async def open_matter(
    world,
    estate: Estate,
    *,
    kind: MatterKind = MatterKind.owners_decision,
    item: int = 5,
    allow_change: bool = False,
    seats: int | None = None,
    candidates: list[str] | None = None,
    poll_unit: PollUnit | None = None,
    staff: str = "community_staff_a",
    hours: int = 48,
    frozen: bool = True,
) -> dict:
    """A matter on the estate's building, published, discussed and open for voting.

    ``frozen`` runs it on the test clock from :data:`START` with a 7-day notice; otherwise
    on the real clock with no notice period (for work done by real worker processes)."""
    if frozen:
        clock.freeze(START)
    actor = world.actors[staff]
    draft = matters.MatterDraft(
        title="关于使用专项维修资金更换电梯的表决",
        body="拟使用专项维修资金更换 1 号电梯。",
        kind=kind,
        scope_kind=ScopeKind.building,
        unit_id=estate.micro_grid_id,
        building=estate.building,
        art278_item=item if kind is MatterKind.owners_decision else None,
        seats=seats,
        candidates=candidates or [],
        poll_unit=poll_unit,
        allow_change=allow_change,
        notice_days=7 if frozen else 0,
    )
    matter = await matters.create_matter(actor, draft)
    await matters.publish_matter(actor, matter["id"])
    await matters.open_discussion(actor, matter["id"])
    if frozen:
        clock.advance(timedelta(days=7))
    return await roll.open_voting(actor, matter["id"], clock.now() + timedelta(hours=hours))
