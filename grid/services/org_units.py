"""Org units (组织单元): create, rename, redraw, delete, read one, and find the unit at a point.

Rules kept here for every door:

* A unit's code extends its parent's (``grid.codes``) and never changes; the parent is one
  level up (a grid's parent is a community, never a street).
* A boundary is stored in WGS-84 (given in GCJ-02 it is converted first) with its centroid;
  a unit's boundary lies inside its parent's, and a redrawn boundary still holds the children.
* Reading is scoped to the actor's subtrees (``unit.read``; outside them a unit "does not
  exist"); writing takes ``unit.manage`` (admins).
* A unit is deleted only when nothing hangs on it: no child units, staff grants, centers,
  departments, house units or party bodies (and whatever other table the database refuses).

Listing and tree reads are in :mod:`grid.services.unit_queries`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Final

from backend import clock
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, invalid, not_found
from grid.actors import Actor, authorize
from grid.codes import parent_level, prefix_of, validate_code
from grid.geo.coords import CoordSystem
from grid.geo.lookup import Located, invalidate_unit_index, locate_point
from grid.geo.shapes import (
    Boundary,
    Container,
    containment_error,
    in_system,
    load_stored,
    parse_boundary,
)
from grid.permissions import Action
from grid.tables import (
    Department,
    GovernanceCenter,
    HouseUnit,
    Level,
    OrgUnit,
    PartyMember,
    PartyOrg,
    RoleAssignment,
)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: "Leave as it is" for optional update fields where ``None`` means "clear".
UNSET: Final = _Unset()

MAX_NAME = 100

COLUMNS = (
    OrgUnit.id,
    OrgUnit.code,
    OrgUnit.prefix,
    OrgUnit.name,
    OrgUnit.level,
    OrgUnit.parent,
    OrgUnit.centroid_lon,
    OrgUnit.centroid_lat,
)


@dataclass(frozen=True)
class UnitView:
    id: int
    code: str
    name: str
    level: Level
    parent_id: int | None
    centroid_lon: float | None
    centroid_lat: float | None
    boundary: dict[str, Any] | None = None


def view_of(row: dict[str, Any], boundary: dict[str, Any] | None = None) -> UnitView:
    return UnitView(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        level=Level(row["level"]),
        parent_id=row["parent"],
        centroid_lon=row["centroid_lon"],
        centroid_lat=row["centroid_lat"],
        boundary=boundary,
    )


def is_integrity_error(exc: BaseException) -> bool:
    """A unique or foreign-key refusal from either engine (Piccolo passes driver errors on)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return True
    import asyncpg

    return isinstance(exc, asyncpg.IntegrityConstraintViolationError)


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise invalid("name", f"1–{MAX_NAME} characters")
    return name


async def _row(unit_id: int, *extra: Any) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await OrgUnit.select(*COLUMNS, *extra).where(OrgUnit.id == unit_id).first()
    )
    return row


async def access_unit(
    actor: Actor, unit_id: int, action: Action = Action.unit_read, *extra: Any
) -> dict[str, Any]:
    """The unit's row if ``actor`` may do ``action`` on it (404 outside scope, else 403)."""
    row = await _row(unit_id, *extra)
    if row is None:
        raise not_found("unit", unit_id)
    authorize(actor, action, row["prefix"], read=Action.unit_read, kind="unit", ident=unit_id)
    return row


async def get_unit(
    actor: Actor, unit_id: int, *, system: CoordSystem | str = CoordSystem.wgs84
) -> UnitView:
    """One unit with its boundary, expressed in ``system`` (for drawing on that kind of map)."""
    row = await access_unit(actor, unit_id, Action.unit_read, OrgUnit.boundary)
    stored = load_stored(row["boundary"])
    return view_of(row, in_system(stored, system) if stored else None)


def _check_inside(boundary: Boundary, code: str, parent: dict[str, Any] | None) -> None:
    stored = load_stored(parent["boundary"]) if parent else None
    if parent is None or stored is None:
        return
    container = Container(parse_boundary(stored, CoordSystem.wgs84).geometry)
    if not container.holds(boundary.geometry):
        raise containment_error(code, parent["code"], container.outside_share(boundary.geometry))


async def _check_holds_children(unit: dict[str, Any], boundary: Boundary) -> None:
    children = await OrgUnit.select(OrgUnit.code, OrgUnit.boundary).where(
        (OrgUnit.parent == unit["id"]) & OrgUnit.boundary.is_not_null()
    )
    container = Container(boundary.geometry)
    for child in children:
        stored = load_stored(child["boundary"])
        if stored is None:
            continue
        geometry = parse_boundary(stored, CoordSystem.wgs84).geometry
        if not container.holds(geometry):
            share = Container(geometry).outside_share(boundary.geometry)
            raise DomainError(
                ErrorCode.BOUNDARY_INVALID,
                reason=f"child {child['code']} would lie outside ({1 - share:.1%} still inside)",
            )


async def create_unit(
    actor: Actor,
    *,
    code: str,
    name: str,
    level: Level | str,
    parent_id: int | None,
    boundary: Any = None,
    system: CoordSystem | str = CoordSystem.wgs84,
) -> UnitView:
    """A new unit under ``parent_id`` (a city has none); admins of the parent's subtree only."""
    name = check_name(name)
    try:
        level = Level(level)
    except ValueError:
        raise invalid("level", "one of " + ", ".join(Level)) from None
    expected_parent = parent_level(level)
    parent: dict[str, Any] | None = None
    if parent_id is None:
        if expected_parent is not None:
            raise DomainError(ErrorCode.UNIT_PARENT_INVALID, reason=f"a {level} needs a parent")
        prefix = validate_code(code, level)
        authorize(actor, Action.unit_manage, prefix, read=Action.unit_read, kind="unit", ident=code)
    else:
        parent = await access_unit(actor, parent_id, Action.unit_manage, OrgUnit.boundary)
        if expected_parent is None or parent["level"] != expected_parent:
            raise DomainError(
                ErrorCode.UNIT_PARENT_INVALID,
                reason=f"a {level}'s parent is a {expected_parent}, not a {parent['level']}",
            )
        prefix = validate_code(code, level, parent["code"])
    shape = parse_boundary(boundary, system) if boundary is not None else None
    if shape is not None:
        _check_inside(shape, code, parent)
    now = clock.now()
    try:
        async with write_transaction():
            if await OrgUnit.exists().where(OrgUnit.code == code):
                raise DomainError(ErrorCode.UNIT_CODE_TAKEN, code=code)
            row = (
                await OrgUnit.insert(
                    OrgUnit(
                        code=code,
                        prefix=prefix,
                        name=name,
                        level=level,
                        parent=parent_id,
                        boundary=shape.to_json() if shape else None,
                        centroid_lon=shape.centroid[0] if shape else None,
                        centroid_lat=shape.centroid[1] if shape else None,
                        created_at=now,
                        updated_at=now,
                    )
                )
            )[0]
    except Exception as exc:
        if is_integrity_error(exc):
            raise DomainError(ErrorCode.UNIT_CODE_TAKEN, code=code) from exc
        raise
    invalidate_unit_index()
    return await get_unit(actor, row["id"])


async def update_unit(
    actor: Actor,
    unit_id: int,
    *,
    name: str | None = None,
    boundary: Any = UNSET,
    system: CoordSystem | str = CoordSystem.wgs84,
) -> UnitView:
    """Rename and/or redraw a unit (``boundary=None`` clears it). The code never changes."""
    unit = await access_unit(actor, unit_id, Action.unit_manage)
    changes: dict[Any, Any] = {}
    if name is not None:
        changes[OrgUnit.name] = check_name(name)
    if boundary is None:
        changes.update({OrgUnit.boundary: None, OrgUnit.centroid_lon: None})
        changes[OrgUnit.centroid_lat] = None
    elif boundary is not UNSET:
        shape = parse_boundary(boundary, system)
        parent = await _row(unit["parent"], OrgUnit.boundary) if unit["parent"] else None
        _check_inside(shape, unit["code"], parent)
        await _check_holds_children(unit, shape)
        changes[OrgUnit.boundary] = shape.to_json()
        changes[OrgUnit.centroid_lon] = shape.centroid[0]
        changes[OrgUnit.centroid_lat] = shape.centroid[1]
    if changes:
        changes[OrgUnit.updated_at] = clock.now()
        async with write_transaction():
            await OrgUnit.update(changes).where(OrgUnit.id == unit_id)
        invalidate_unit_index()
    return await get_unit(actor, unit_id)


#: What may hang on a unit, each with the words the refusal uses.
DEPENDANTS: tuple[tuple[Any, str], ...] = (
    (OrgUnit.parent, "child units"),
    (RoleAssignment.unit, "staff roles"),
    (GovernanceCenter.unit, "a governance center"),
    (Department.unit, "departments"),
    (HouseUnit.micro_grid, "house units"),
    (PartyOrg.unit, "party organizations"),
    (PartyMember.micro_grid, "party members"),
)


async def delete_unit(actor: Actor, unit_id: int) -> None:
    """Delete a leaf unit nothing refers to; otherwise say what still refers to it."""
    await access_unit(actor, unit_id, Action.unit_manage)
    try:
        async with write_transaction():
            for column, what in DEPENDANTS:
                if await column._meta.table.exists().where(column == unit_id):
                    code = (
                        ErrorCode.UNIT_HAS_CHILDREN
                        if column is OrgUnit.parent
                        else ErrorCode.UNIT_IN_USE
                    )
                    raise DomainError(code, what=what)
            await OrgUnit.delete().where(OrgUnit.id == unit_id)
    except Exception as exc:
        if is_integrity_error(exc):
            raise DomainError(ErrorCode.UNIT_IN_USE, what="other records") from exc
        raise
    invalidate_unit_index()


async def lookup_point(
    actor: Actor, lon: float, lat: float, system: CoordSystem | str = CoordSystem.wgs84
) -> Located:
    """The grid and micro-grid at a point (or the smallest unit around it).

    Not limited to the actor's scope: locating a place is what reporting a case from
    anywhere needs, and which unit covers a place is no secret (codes are public).
    """
    del actor  # every signed-in actor may locate a point
    return await locate_point(lon, lat, system)


def ancestor_prefixes(code: str, level: Level) -> list[str]:
    """Prefixes of every unit above one with ``code`` (or prefix): codes nest, so they show it."""
    out: list[str] = []
    above = parent_level(level)
    while above is not None:
        out.append(prefix_of(code, above))
        above = parent_level(above)
    return out
