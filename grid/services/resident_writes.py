"""Writing one house unit of a residents register: the unit, its households and residents.

Runs inside the caller's write transaction (see :mod:`grid.services.resident_import` for the
rules). Everything is matched against what is stored so that the same register imported twice
changes nothing:

* the house unit by micro-grid, building, entrance and room;
* a resident by the keyed hash of their ID number, else (no ID number) by name in the
  household the register puts them in;
* a household of the register by the residents already living in it: the stored household of
  its first member found, else a new one. Two register households never share a stored one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend import clock
from backend.pii import open_text, seal_text
from grid.services.house_units import house_label
from grid.services.resident_ids import fresh_resident_ids
from grid.services.resident_names import index_names
from grid.services.resident_rows import HousePart, ResidentPart, RowProblem
from grid.tables import AreaSource, Household, HouseUnit, Owner, Resident, ResidentTag, Tenure


@dataclass
class FamilyPlan:
    """One household as the register gives it."""

    key: str
    tenure: Tenure | None = None
    members: list[tuple[int, ResidentPart]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


@dataclass
class HouseResult:
    house_unit_id: int = 0
    created: int = 0
    updated: int = 0
    households_created: int = 0
    residents_created: int = 0
    residents_updated: int = 0
    residents_unchanged: int = 0
    problems: list[tuple[int, RowProblem]] = field(default_factory=list)


async def _house_unit(part: HousePart, micro_id: int, prefix: str, result: HouseResult) -> int:
    row = (
        await HouseUnit.select()
        .where(
            (HouseUnit.micro_grid == micro_id)
            & (HouseUnit.building == part.building)
            & (HouseUnit.entrance == part.entrance)
            & (HouseUnit.room == part.room)
        )
        .first()
    )
    if row is None:
        inserted = await HouseUnit.insert(
            HouseUnit(
                micro_grid=micro_id,
                unit_prefix=prefix,
                building=part.building,
                entrance=part.entrance,
                room=part.room,
                address_enc=seal_text(part.address),
                exclusive_area_centi=part.area_centi or 0,
                area_source=part.area_source or AreaSource.registered,
                created_at=clock.now(),
            )
        ).returning(HouseUnit.id)
        result.created = 1
        return int(inserted[0]["id"])
    changes: dict[Any, Any] = {}
    if part.address and part.address != open_text(row["address_enc"]):
        changes[HouseUnit.address_enc] = seal_text(part.address)
    if part.area_centi is not None and part.area_centi != row["exclusive_area_centi"]:
        changes[HouseUnit.exclusive_area_centi] = part.area_centi
    if part.area_source is not None and part.area_source != row["area_source"]:
        changes[HouseUnit.area_source] = part.area_source
    if changes:
        await HouseUnit.update(changes).where(HouseUnit.id == row["id"])
        result.updated = 1
    return int(row["id"])


_RESIDENT_COLUMNS = (
    Resident.id,
    Resident.household,
    Resident.name_enc,
    Resident.gender,
    Resident.birth_year,
    Resident.relation,
    Resident.phone_hash,
    Resident.id_number_hash,
    Resident.owner,
)


class _Stored:
    """The house unit's stored households and residents, and residents registered elsewhere."""

    def __init__(self) -> None:
        self.households: dict[int, str] = {}  # id → tenure
        self.residents: list[dict[str, Any]] = []
        self.tags: dict[int, set[str]] = {}
        self.elsewhere: dict[str, dict[str, Any]] = {}
        self.owners: dict[str, int] = {}
        self.claimed: set[int] = set()

    async def load(self, house_unit_id: int, families: list[FamilyPlan], new: bool) -> None:
        """Read what matching needs (a house unit created just now has no households yet)."""
        rows = (
            []
            if new
            else await Household.select(Household.id, Household.tenure).where(
                Household.house_unit == house_unit_id
            )
        )
        for h in rows:
            self.households[h["id"]] = h["tenure"]
        if self.households:
            self.residents = await Resident.select(*_RESIDENT_COLUMNS).where(
                Resident.household.is_in(list(self.households))
            )
            for r in self.residents:  # matching compares clear names
                r["name"] = open_text(r.pop("name_enc"))
        ids = [r["id"] for r in self.residents]
        self.tags = {i: set() for i in ids}
        if ids:
            for t in await ResidentTag.select(ResidentTag.resident, ResidentTag.tag).where(
                ResidentTag.resident.is_in(ids)
            ):
                self.tags[t["resident"]].add(t["tag"])
        hashes = [m.id_number.hash for f in families for _, m in f.members if m.id_number.hash]
        local = {r["id_number_hash"] for r in self.residents}
        wanted = [h for h in hashes if h not in local]
        if wanted:
            for r in await Resident.select(
                Resident.id_number_hash,
                Resident.household.house_unit.building.as_alias("building"),
                Resident.household.house_unit.entrance.as_alias("entrance"),
                Resident.household.house_unit.room.as_alias("room"),
                Resident.household.house_unit.micro_grid.code.as_alias("micro_code"),
            ).where(Resident.id_number_hash.is_in(wanted)):
                self.elsewhere[r["id_number_hash"]] = r
        if hashes:
            for o in await Owner.select(Owner.id, Owner.id_number_hash).where(
                Owner.id_number_hash.is_in(hashes)
            ):
                self.owners[o["id_number_hash"]] = o["id"]

    def by_hash(self, id_hash: str) -> dict[str, Any] | None:
        return next((r for r in self.residents if r["id_number_hash"] == id_hash), None)

    def by_name(self, name: str, household: int | None) -> dict[str, Any] | None:
        return next(
            (
                r
                for r in self.residents
                if not r["id_number_hash"]
                and r["name"] == name
                and (
                    r["household"] == household if household else r["household"] not in self.claimed
                )
            ),
            None,
        )

    def household_of(self, members: list[ResidentPart]) -> int | None:
        for m in members:
            found = (
                self.by_hash(m.id_number.hash) if m.id_number.hash else self.by_name(m.name, None)
            )
            if found and found["household"] not in self.claimed:
                return int(found["household"])
        return None


def _elsewhere_problem(row: dict[str, Any]) -> RowProblem:
    where = f"{row['micro_code']} {house_label(row['building'], row['entrance'], row['room'])}"
    return RowProblem(
        f"该身份证号的居民已登记在其他房屋（{where}），请先在系统中迁出",
        f"a resident with this ID number is registered in another house unit ({where}); move them first",
    )


def _changes(stored: dict[str, Any], m: ResidentPart, household: int) -> dict[Any, Any]:
    """What the register changes on a stored resident (an empty cell changes nothing)."""
    wanted: dict[Any, Any] = {
        Resident.household: household,
        Resident.gender: m.gender or None,
        Resident.birth_year: m.birth_year,
        Resident.relation: m.relation or None,
        Resident.phone_hash: m.phone.hash,
    }
    changes = {
        col: value
        for col, value in wanted.items()
        if value is not None and stored[col._meta.name] != value
    }
    if Resident.phone_hash in changes:
        changes[Resident.phone_enc] = m.phone.enc
    if m.name and m.name != stored["name"]:
        changes[Resident.name_enc] = seal_text(m.name)
    return changes


async def _set_tags(resident_id: int, tags: tuple[Any, ...]) -> None:
    await ResidentTag.delete().where(ResidentTag.resident == resident_id)
    if tags:
        await ResidentTag.insert(*[ResidentTag(resident=resident_id, tag=t) for t in tags])


async def _member(
    stored: _Stored, household: int, prefix: str, m: ResidentPart, result: HouseResult
) -> Resident | None:
    """Update a stored resident in place, or return the row of a new one (inserted in bulk)."""
    found = (
        stored.by_hash(m.id_number.hash) if m.id_number.hash else stored.by_name(m.name, household)
    )
    now = clock.now()
    if found is None:
        result.residents_created += 1
        return Resident(
            household=household,
            unit_prefix=prefix,
            name_enc=seal_text(m.name),
            gender=m.gender or "",
            birth_year=m.birth_year,
            relation=m.relation,
            phone_enc=m.phone.enc,
            phone_hash=m.phone.hash,
            id_number_enc=m.id_number.enc,
            id_number_hash=m.id_number.hash,
            owner=stored.owners.get(m.id_number.hash or ""),
            created_at=now,
            updated_at=now,
        )
    changes = _changes(found, m, household)
    tags_change = m.tags is not None and set(m.tags) != stored.tags[found["id"]]
    if changes:
        changes[Resident.updated_at] = now
        await Resident.update(changes).where(Resident.id == found["id"])
        if Resident.name_enc in changes:
            await index_names([(found["id"], m.name)])
    if tags_change:
        await _set_tags(found["id"], m.tags or ())
    if changes or tags_change:
        result.residents_updated += 1
    else:
        result.residents_unchanged += 1
    return None


async def _insert_new(rows: list[tuple[Resident, ResidentPart]]) -> None:
    """New residents of one house unit in one statement (ids come back in row order), then
    their tags in another."""
    if not rows:
        return
    fresh = await fresh_resident_ids(len(rows))
    if fresh:
        for new_id, (row, _) in zip(fresh, rows, strict=True):
            row.id = new_id
    ids = await Resident.insert(*[r for r, _ in rows]).returning(Resident.id)
    await index_names((i["id"], m.name) for i, (_, m) in zip(ids, rows, strict=True))
    tags = [
        ResidentTag(resident=i["id"], tag=t)
        for i, (_, m) in zip(ids, rows, strict=True)
        for t in m.tags or ()
    ]
    if tags:
        await ResidentTag.insert(*tags)


async def write_house(
    part: HousePart, micro_id: int, prefix: str, families: list[FamilyPlan]
) -> HouseResult:
    """Store one house unit of the register (call inside a write transaction)."""
    result = HouseResult()
    result.house_unit_id = await _house_unit(part, micro_id, prefix, result)
    stored = _Stored()
    await stored.load(result.house_unit_id, families, new=bool(result.created))
    new_rows: list[tuple[Resident, ResidentPart]] = []
    for family in families:
        members = []
        for line, m in family.members:
            elsewhere = stored.elsewhere.get(m.id_number.hash or "")
            if elsewhere is not None:
                result.problems.append((line, _elsewhere_problem(elsewhere)))
            else:
                members.append(m)
        if not members:
            continue
        household = stored.household_of(members)
        if household is None:
            inserted = await Household.insert(
                Household(
                    house_unit=result.house_unit_id,
                    unit_prefix=prefix,
                    tenure=family.tenure or Tenure.owner_occupied,
                    created_at=clock.now(),
                )
            ).returning(Household.id)
            household = int(inserted[0]["id"])
            result.households_created += 1
        elif family.tenure and family.tenure != stored.households[household]:
            await Household.update({Household.tenure: family.tenure}).where(
                Household.id == household
            )
        stored.claimed.add(household)
        for m in members:
            row = await _member(stored, household, prefix, m, result)
            if row is not None:
                new_rows.append((row, m))
    await _insert_new(new_rows)
    return result
