"""Governance centers (治理中心) and departments (职能部门): where cases go above the grid.

Centers sit at city, district and street level, at most one per unit. Departments (city
management, housing, fire, …) belong to a city, district or street unit.

Visibility looks *up* as well as down: a grid worker must know their street center and the
district's departments, so an actor sees the centers and departments of the units in their
subtrees and of the units above their grants. Changing them takes ``unit.manage`` (centers)
or ``department.manage`` (departments) over the owning unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, invalid, not_found
from grid.actors import Actor, authorize
from grid.permissions import Action
from grid.services.org_units import access_unit, ancestor_prefixes, check_name, is_integrity_error
from grid.tables import Department, DepartmentKind, GovernanceCenter, Level

CENTER_LEVELS = frozenset({Level.city, Level.district, Level.street})
DEPARTMENT_LEVELS = frozenset({Level.city, Level.district, Level.street})
PHONE = re.compile(r"^[0-9+\-() ]{3,32}$")
DEPARTMENT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,31}$")


@dataclass(frozen=True)
class CenterView:
    id: int
    unit_id: int
    unit_code: str
    unit_name: str
    name: str
    phone: str


@dataclass(frozen=True)
class DepartmentView:
    id: int
    code: str
    name: str
    kind: DepartmentKind
    unit_id: int
    unit_code: str
    unit_name: str


def _visible_prefixes(actor: Actor) -> tuple[list[str], list[str]]:
    """(subtree prefixes, exact prefixes of the units above the actor's grants)."""
    subtrees = actor.scope_prefixes(Action.unit_read)
    above = {
        p
        for g in actor.grants_for(Action.unit_read)
        for p in ancestor_prefixes(g.unit_prefix, g.unit_level)
    }
    return subtrees, sorted(above)


def _sees(actor: Actor, prefix: str) -> bool:
    subtrees, above = _visible_prefixes(actor)
    return any(prefix.startswith(p) for p in subtrees) or prefix in above


def _visible_condition(actor: Actor, column: Any) -> Any:
    subtrees, above = _visible_prefixes(actor)
    condition = column.is_in(above) if above else None
    for p in subtrees:
        part = column.like(p + "%")
        condition = part if condition is None else condition | part
    return condition


def _check_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if phone and not PHONE.match(phone):
        raise invalid("phone", "digits, spaces, + - ( ), up to 32 characters")
    return phone


# --- governance centers --------------------------------------------------------------------

_CENTER_COLUMNS = (
    GovernanceCenter.id,
    GovernanceCenter.name,
    GovernanceCenter.phone,
    GovernanceCenter.unit.id.as_alias("unit_id"),
    GovernanceCenter.unit.code.as_alias("unit_code"),
    GovernanceCenter.unit.name.as_alias("unit_name"),
    GovernanceCenter.unit.prefix.as_alias("unit_prefix"),
)


def _center(row: dict[str, Any]) -> CenterView:
    return CenterView(
        row["id"], row["unit_id"], row["unit_code"], row["unit_name"], row["name"], row["phone"]
    )


async def get_center(actor: Actor, center_id: int) -> CenterView:
    row = (
        await GovernanceCenter.select(*_CENTER_COLUMNS)
        .where(GovernanceCenter.id == center_id)
        .first()
    )
    if row is None or not _sees(actor, row["unit_prefix"]):
        raise not_found("center", center_id)
    return _center(row)


async def _manage_center(actor: Actor, center_id: int) -> CenterView:
    view = await get_center(actor, center_id)
    await access_unit(actor, view.unit_id, Action.unit_manage)
    return view


async def list_centers(
    actor: Actor, *, offset: int = 0, limit: int = 50
) -> tuple[list[CenterView], int]:
    condition = _visible_condition(actor, GovernanceCenter.unit.prefix)
    if condition is None:
        return [], 0
    total = await GovernanceCenter.count().where(condition)
    rows = (
        await GovernanceCenter.select(*_CENTER_COLUMNS)
        .where(condition)
        .order_by(GovernanceCenter.unit.code)
        .offset(offset)
        .limit(limit)
    )
    return [_center(r) for r in rows], total


async def create_center(actor: Actor, *, unit_id: int, name: str, phone: str = "") -> CenterView:
    unit = await access_unit(actor, unit_id, Action.unit_manage)
    if unit["level"] not in CENTER_LEVELS:
        raise invalid("unit_id", "centers are at city, district or street level")
    name, phone = check_name(name), _check_phone(phone)
    try:
        async with write_transaction():
            if await GovernanceCenter.exists().where(GovernanceCenter.unit == unit_id):
                raise DomainError(ErrorCode.CENTER_EXISTS, unit_id=unit_id)
            row = (
                await GovernanceCenter.insert(
                    GovernanceCenter(unit=unit_id, name=name, phone=phone)
                )
            )[0]
    except Exception as exc:
        if is_integrity_error(exc):
            raise DomainError(ErrorCode.CENTER_EXISTS, unit_id=unit_id) from exc
        raise
    return await get_center(actor, row["id"])


async def update_center(
    actor: Actor, center_id: int, *, name: str | None = None, phone: str | None = None
) -> CenterView:
    await _manage_center(actor, center_id)
    changes: dict[Any, Any] = {}
    if name is not None:
        changes[GovernanceCenter.name] = check_name(name)
    if phone is not None:
        changes[GovernanceCenter.phone] = _check_phone(phone)
    if changes:
        async with write_transaction():
            await GovernanceCenter.update(changes).where(GovernanceCenter.id == center_id)
    return await get_center(actor, center_id)


async def delete_center(actor: Actor, center_id: int) -> None:
    await _manage_center(actor, center_id)
    try:
        async with write_transaction():
            await GovernanceCenter.delete().where(GovernanceCenter.id == center_id)
    except Exception as exc:
        if is_integrity_error(exc):
            raise DomainError(ErrorCode.CONFLICT, reason="the center is still in use") from exc
        raise


# --- departments ---------------------------------------------------------------------------

_DEPARTMENT_COLUMNS = (
    Department.id,
    Department.code,
    Department.name,
    Department.kind,
    Department.unit_prefix,
    Department.unit.id.as_alias("unit_id"),
    Department.unit.code.as_alias("unit_code"),
    Department.unit.name.as_alias("unit_name"),
)


def _department(row: dict[str, Any]) -> DepartmentView:
    return DepartmentView(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        kind=DepartmentKind(row["kind"]),
        unit_id=row["unit_id"],
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
    )


def _check_kind(kind: DepartmentKind | str) -> DepartmentKind:
    try:
        return DepartmentKind(kind)
    except ValueError:
        raise invalid("kind", "one of " + ", ".join(DepartmentKind)) from None


async def get_department(actor: Actor, department_id: int) -> DepartmentView:
    row = (
        await Department.select(*_DEPARTMENT_COLUMNS).where(Department.id == department_id).first()
    )
    if row is None or not _sees(actor, row["unit_prefix"]):
        raise not_found("department", department_id)
    return _department(row)


async def _manage_department(actor: Actor, department_id: int) -> DepartmentView:
    view = await get_department(actor, department_id)
    unit = await access_unit(actor, view.unit_id)
    authorize(
        actor,
        Action.department_manage,
        unit["prefix"],
        read=Action.unit_read,
        kind="department",
        ident=department_id,
    )
    return view


async def list_departments(
    actor: Actor,
    *,
    unit_id: int | None = None,
    kind: DepartmentKind | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[DepartmentView], int]:
    condition = _visible_condition(actor, Department.unit_prefix)
    if condition is None:
        return [], 0
    if unit_id is not None:
        condition = condition & (Department.unit == unit_id)
    if kind is not None:
        condition = condition & (Department.kind == _check_kind(kind))
    total = await Department.count().where(condition)
    rows = (
        await Department.select(*_DEPARTMENT_COLUMNS)
        .where(condition)
        .order_by(Department.code)
        .offset(offset)
        .limit(limit)
    )
    return [_department(r) for r in rows], total


async def check_new_department(
    actor: Actor, *, code: str, name: str, kind: DepartmentKind | str, unit_id: int
) -> dict[str, Any]:
    """The row a new department gets, by column name, once every rule holds: the right at
    the unit, a city/district/street unit, the code's shape and uniqueness; ``unit_prefix``
    copied from the unit. Shared by :func:`create_department` and the admin site."""
    unit = await access_unit(actor, unit_id)
    authorize(
        actor,
        Action.department_manage,
        unit["prefix"],
        read=Action.unit_read,
        kind="unit",
        ident=unit_id,
    )
    if unit["level"] not in DEPARTMENT_LEVELS:
        raise invalid("unit_id", "departments belong to a city, district or street")
    code = (code or "").strip()
    if not DEPARTMENT_CODE.match(code):
        raise invalid("code", "1–32 letters, digits, - or _")
    name, kind = check_name(name), _check_kind(kind)
    if await Department.exists().where(Department.code == code):
        raise DomainError(ErrorCode.DEPARTMENT_CODE_TAKEN, code=code)
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "unit": unit_id,
        "unit_prefix": unit["prefix"],
    }


async def create_department(
    actor: Actor, *, code: str, name: str, kind: DepartmentKind | str, unit_id: int
) -> DepartmentView:
    try:
        async with write_transaction():
            values = await check_new_department(
                actor, code=code, name=name, kind=kind, unit_id=unit_id
            )
            row = (await Department.insert(Department(**values)))[0]
    except Exception as exc:
        if is_integrity_error(exc):
            raise DomainError(ErrorCode.DEPARTMENT_CODE_TAKEN, code=code) from exc
        raise
    return await get_department(actor, row["id"])


async def check_department_changes(
    actor: Actor,
    department_id: int,
    *,
    name: str | None = None,
    kind: DepartmentKind | str | None = None,
) -> dict[str, Any]:
    """The values an edit stores, by column name: a new name or kind only — the code and
    the unit stay (cases and staff refer to them)."""
    await _manage_department(actor, department_id)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = check_name(name)
    if kind is not None:
        changes["kind"] = _check_kind(kind)
    return changes


async def update_department(
    actor: Actor,
    department_id: int,
    *,
    name: str | None = None,
    kind: DepartmentKind | str | None = None,
) -> DepartmentView:
    """Rename or re-kind a department; its code and unit stay (cases and staff refer to them)."""
    changes = await check_department_changes(actor, department_id, name=name, kind=kind)
    if changes:
        async with write_transaction():
            await Department.update({getattr(Department, k): v for k, v in changes.items()}).where(
                Department.id == department_id
            )
    return await get_department(actor, department_id)


async def check_department_removal(actor: Actor, department_id: int) -> None:
    """The right to remove it; whether anything still refers to it the database decides."""
    await _manage_department(actor, department_id)


async def delete_department(actor: Actor, department_id: int) -> None:
    await check_department_removal(actor, department_id)
    try:
        async with write_transaction():
            await Department.delete().where(Department.id == department_id)
    except Exception as exc:
        if is_integrity_error(exc):
            raise DomainError(
                ErrorCode.CONFLICT, reason="staff or cases still refer to the department"
            ) from exc
        raise
