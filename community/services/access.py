"""Who may see and touch a matter: one fetch-and-check helper shared by every door.

* **Staff** reach a matter through their grants on its unit: outside ``matter.read`` it does
  not exist (404), inside it a role without the action gets 403.
* **Residents** (``Actor.kind == "resident"``, ``Actor.id`` = the resident's id) see a matter
  once it is published and only when their house unit lies in its scope; otherwise 404, the
  same answer as for a matter that does not exist.
* The **system** actor (tasks) may do anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.errors import not_found
from backend.pii import open_text
from community.phases import Phase
from community.tables import Matter, ScopeKind
from grid.actors import Actor, authorize
from grid.permissions import Action
from grid.tables import Household, HouseUnit, Resident

READ = Action.matter_read
MANAGE = Action.matter_manage


@dataclass(frozen=True)
class ResidentPlace:
    """A resident as voting sees them: their household, house unit and owner link."""

    resident_id: int
    name: str
    household_id: int
    house_unit_id: int
    building: str
    unit_prefix: str
    owner_id: int | None


async def resident_place(resident_id: int) -> ResidentPlace | None:
    """One indexed join (hand-written: it runs for every ballot)."""
    rows = await Resident.raw(
        "SELECT r.id, r.name_enc, r.owner, h.id AS household_id, u.id AS house_unit_id,"
        " u.building, u.unit_prefix FROM resident r"
        " JOIN household h ON h.id = r.household JOIN house_unit u ON u.id = h.house_unit"
        " WHERE r.id = {}",
        resident_id,
    )
    if not rows:
        return None
    row = rows[0]
    return ResidentPlace(
        resident_id=row["id"],
        name=open_text(row["name_enc"]),
        household_id=row["household_id"],
        house_unit_id=row["house_unit_id"],
        building=row["building"],
        unit_prefix=row["unit_prefix"],
        owner_id=row["owner"],
    )


def in_scope(matter: dict[str, Any], prefix: str, building: str, house_unit_id: int) -> bool:
    """A house unit (by prefix, building and id) lies in the matter's scope."""
    if not prefix.startswith(matter["unit_prefix"]):
        return False
    kind = ScopeKind(matter["scope_kind"])
    if kind is ScopeKind.building:
        return building == matter["building"]
    if kind is ScopeKind.house_units:
        return house_unit_id in set(matter["house_unit_ids"])
    return True


def scope_condition(matter: dict[str, Any]) -> Any:
    """The house units of the matter's scope, as a ``HouseUnit`` where-clause."""
    condition: Any = HouseUnit.unit_prefix.like(matter["unit_prefix"] + "%")
    kind = ScopeKind(matter["scope_kind"])
    if kind is ScopeKind.building:
        condition = condition & (HouseUnit.building == matter["building"])
    elif kind is ScopeKind.house_units:
        condition = condition & HouseUnit.id.is_in(list(matter["house_unit_ids"]) or [0])
    return condition


async def residents_in_scope(matter: dict[str, Any]) -> list[int]:
    units = HouseUnit.select(HouseUnit.id).where(scope_condition(matter))
    households = Household.select(Household.id).where(Household.house_unit.is_in(units))
    rows = await Resident.select(Resident.id).where(Resident.household.is_in(households))
    return [r["id"] for r in rows]


def visible_to_resident(matter: dict[str, Any], place: ResidentPlace) -> bool:
    """Published (not a draft) and the resident's house unit lies in its scope."""
    return matter["phase"] != Phase.draft and in_scope(
        matter, place.unit_prefix, place.building, place.house_unit_id
    )


async def load_matter(matter_id: int) -> dict[str, Any] | None:
    return await Matter.select().where(Matter.id == matter_id).output(load_json=True).first()


async def access_matter(
    actor: Actor, matter_id: int, action: Action = READ
) -> tuple[dict[str, Any], ResidentPlace | None]:
    """The matter, checked for ``actor``; for a resident also where they live."""
    matter = await load_matter(matter_id)
    if matter is None:
        raise not_found("matter", matter_id)
    if actor.kind == "system":
        return matter, None
    if actor.kind == "resident":
        place = await resident_place(actor.id)
        if place is None or action is not READ or not visible_to_resident(matter, place):
            raise not_found("matter", matter_id)
        return matter, place
    authorize(actor, action, matter["unit_prefix"], read=READ, kind="matter", ident=matter_id)
    return matter, None


def actor_fields(actor: Actor) -> dict[str, str]:
    return {"actor_kind": actor.kind, "actor_id": str(actor.id), "actor_name": actor.name}
