"""Fetch-and-check helpers for house units, households and residents, and their scope prefix.

Every people record carries ``unit_prefix`` = the prefix of its micro-grid. It is decided in
one place, :func:`load_micro_grid` (a house unit takes its micro-grid's prefix); a household
copies its house unit's, a resident its household's, and moving a record re-copies it
(:func:`restamp_house_unit`, :func:`restamp_household`).

Reading uses ``resident.read``, changing ``resident.manage``: outside the read scope a
record does not exist (404), inside it a read-only role gets 403.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import Or, Where

from backend.errors import forbidden, invalid, not_found
from grid.actors import Actor, authorize
from grid.permissions import Action
from grid.tables import Household, HouseUnit, Level, OrgUnit, Resident

READ = Action.resident_read
MANAGE = Action.resident_manage


async def load_micro_grid(actor: Actor, unit_id: int, action: Action = MANAGE) -> dict[str, Any]:
    """The micro-grid a house unit is put in: its prefix becomes the unit's ``unit_prefix``."""
    unit = (
        await OrgUnit.select(OrgUnit.id, OrgUnit.prefix, OrgUnit.level, OrgUnit.name)
        .where(OrgUnit.id == unit_id)
        .first()
    )
    if unit is None:
        raise not_found("unit", unit_id)
    authorize(actor, action, unit["prefix"], read=READ, kind="unit", ident=unit_id)
    if unit["level"] != Level.micro_grid:
        raise invalid("micro_grid_id", "house units belong to a micro_grid unit")
    return unit


async def access_house_unit(
    actor: Actor, house_unit_id: int, action: Action = READ
) -> dict[str, Any]:
    row = await HouseUnit.select().where(HouseUnit.id == house_unit_id).first()
    if row is None:
        raise not_found("house_unit", house_unit_id)
    authorize(actor, action, row["unit_prefix"], read=READ, kind="house_unit", ident=house_unit_id)
    return row


async def access_household(
    actor: Actor, household_id: int, action: Action = READ
) -> dict[str, Any]:
    row = await Household.select().where(Household.id == household_id).first()
    if row is None:
        raise not_found("household", household_id)
    authorize(actor, action, row["unit_prefix"], read=READ, kind="household", ident=household_id)
    return row


async def access_resident(actor: Actor, resident_id: int, action: Action = READ) -> dict[str, Any]:
    row = await Resident.select().where(Resident.id == resident_id).first()
    if row is None:
        raise not_found("resident", resident_id)
    authorize(actor, action, row["unit_prefix"], read=READ, kind="resident", ident=resident_id)
    return row


async def read_prefixes(actor: Actor, unit_id: int | None) -> list[str]:
    """The prefixes a list is limited to: the actor's read scope, or one unit's subtree in it.

    A role that may never read residents is refused (403); a unit outside the scope is 404.
    """
    prefixes = actor.scope_prefixes(READ)
    if not prefixes:
        raise forbidden(str(READ))
    if unit_id is None:
        return prefixes
    unit = await OrgUnit.select(OrgUnit.prefix).where(OrgUnit.id == unit_id).first()
    if unit is None or not actor.may(READ, unit["prefix"]):
        raise not_found("unit", unit_id)
    return [unit["prefix"]]


def under(column: Column, prefixes: list[str]) -> Where | Or:
    """``column`` lies in one of the subtrees (``LIKE 'prefix%'``; prefixes are digits)."""
    condition: Where | Or = column.like(prefixes[0] + "%")
    for prefix in prefixes[1:]:
        condition = condition | column.like(prefix + "%")
    return condition


async def restamp_house_unit(house_unit_id: int, prefix: str) -> None:
    """A house unit moved to another micro-grid: its households and residents follow."""
    await HouseUnit.update({HouseUnit.unit_prefix: prefix}).where(HouseUnit.id == house_unit_id)
    await Household.update({Household.unit_prefix: prefix}).where(
        Household.house_unit == house_unit_id
    )
    households = Household.select(Household.id).where(Household.house_unit == house_unit_id)
    await Resident.update({Resident.unit_prefix: prefix}).where(
        Resident.household.is_in(households)
    )


async def restamp_household(household_id: int, prefix: str) -> None:
    """A household moved to another house unit: its residents follow."""
    await Household.update({Household.unit_prefix: prefix}).where(Household.id == household_id)
    await Resident.update({Resident.unit_prefix: prefix}).where(Resident.household == household_id)
