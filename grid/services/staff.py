"""Staff accounts and their role grants (who may act where)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend import clock
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, invalid, not_found
from backend.passwords import check_strength, hash_password
from backend.pii import cipher, mask_phone, seal_phone
from grid.actors import Actor, authorize
from grid.permissions import Action
from grid.tables import Department, Level, OrgUnit, PiiAccessLog, Role, RoleAssignment, StaffAccount

#: The unit level each role is granted at; a grant elsewhere is refused.
ROLE_LEVELS: dict[Role, frozenset[Level]] = {
    Role.grid_worker: frozenset({Level.grid}),
    Role.grid_leader: frozenset({Level.grid, Level.community}),
    Role.community_staff: frozenset({Level.community}),
    Role.street_center_staff: frozenset({Level.street}),
    Role.district_center_staff: frozenset({Level.district}),
    Role.city_center_staff: frozenset({Level.city}),
    Role.department_handler: frozenset({Level.city, Level.district, Level.street}),
    Role.admin: frozenset({Level.city, Level.district, Level.street}),
}


@dataclass(frozen=True)
class GrantSpec:
    role: Role
    unit_id: int
    department_id: int | None = None


@dataclass(frozen=True)
class StaffView:
    id: int
    username: str
    display_name: str
    phone: str | None
    active: bool
    grants: list[dict[str, Any]]


async def _unit(unit_id: int) -> dict[str, Any]:
    unit = (
        await OrgUnit.select(OrgUnit.id, OrgUnit.prefix, OrgUnit.level)
        .where(OrgUnit.id == unit_id)
        .first()
    )
    if unit is None:
        raise not_found("unit", unit_id)
    return unit


async def _check_grant(actor: Actor, spec: GrantSpec) -> None:
    unit = await _unit(spec.unit_id)
    authorize(
        actor,
        Action.staff_manage,
        unit["prefix"],
        read=Action.staff_read,
        kind="unit",
        ident=spec.unit_id,
    )
    if Level(unit["level"]) not in ROLE_LEVELS[spec.role]:
        raise DomainError(
            ErrorCode.ROLE_SCOPE_INVALID,
            reason=f"{spec.role} cannot be granted at {unit['level']} level",
        )
    if spec.role is Role.department_handler:
        if spec.department_id is None:
            raise DomainError(
                ErrorCode.ROLE_SCOPE_INVALID, reason="department_handler needs a department"
            )
        dept = (
            await Department.select(Department.unit)
            .where(Department.id == spec.department_id)
            .first()
        )
        if dept is None:
            raise not_found("department", spec.department_id)
        if dept["unit"] != spec.unit_id:
            raise DomainError(
                ErrorCode.ROLE_SCOPE_INVALID, reason="grant the handler at the department's unit"
            )
    elif spec.department_id is not None:
        raise DomainError(
            ErrorCode.ROLE_SCOPE_INVALID, reason="only department_handler takes a department"
        )


async def create_staff(
    actor: Actor,
    *,
    username: str,
    display_name: str,
    password: str,
    grants: list[GrantSpec],
    phone: str | None = None,
) -> int:
    username = username.strip()
    if not username or len(username) > 64:
        raise invalid("username", "1–64 characters")
    if not grants:
        raise invalid("grants", "at least one role grant")
    check_strength(password)
    for spec in grants:
        await _check_grant(actor, spec)
    sealed = seal_phone(phone)
    async with write_transaction():
        if await StaffAccount.exists().where(StaffAccount.username == username):
            raise DomainError(ErrorCode.USERNAME_TAKEN, username=username)
        now = clock.now()
        row = (
            await StaffAccount.insert(
                StaffAccount(
                    username=username,
                    display_name=display_name.strip() or username,
                    password_hash=hash_password(password),
                    phone_enc=sealed.enc,
                    phone_hash=sealed.hash,
                    password_changed_at=now,
                    created_at=now,
                )
            )
        )[0]
        await RoleAssignment.insert(
            *[
                RoleAssignment(
                    staff=row["id"], role=g.role, unit=g.unit_id, department=g.department_id
                )
                for g in grants
            ]
        )
    return int(row["id"])


async def create_first_admin(username: str, password: str, unit_id: int) -> int:
    """Bootstrap for a fresh installation (CLI only): an admin at the given top unit."""
    check_strength(password)
    await _unit(unit_id)
    async with write_transaction():
        if await StaffAccount.exists().where(StaffAccount.username == username):
            raise DomainError(ErrorCode.USERNAME_TAKEN, username=username)
        now = clock.now()
        row = (
            await StaffAccount.insert(
                StaffAccount(
                    username=username,
                    display_name=username,
                    password_hash=hash_password(password),
                    password_changed_at=now,
                    created_at=now,
                )
            )
        )[0]
        await RoleAssignment.insert(RoleAssignment(staff=row["id"], role=Role.admin, unit=unit_id))
    return int(row["id"])


async def _grants_of(staff_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not staff_ids:
        return {}
    rows = await RoleAssignment.select(
        RoleAssignment.staff,
        RoleAssignment.role,
        RoleAssignment.unit.id.as_alias("unit_id"),
        RoleAssignment.unit.name.as_alias("unit_name"),
        RoleAssignment.unit.prefix.as_alias("unit_prefix"),
        RoleAssignment.department.as_alias("department_id"),
    ).where(RoleAssignment.staff.is_in(staff_ids))
    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.pop("staff"), []).append(r)
    return out


def _visible(actor: Actor, grants: list[dict[str, Any]]) -> bool:
    return any(actor.may(Action.staff_read, g["unit_prefix"]) for g in grants)


async def _view(
    actor: Actor, staff: dict[str, Any], grants: list[dict[str, Any]], reveal: bool
) -> StaffView:
    phone = None
    if staff["phone_enc"]:
        full = cipher().decrypt(staff["phone_enc"])
        phone = full if reveal else mask_phone(full)
    return StaffView(
        id=staff["id"],
        username=staff["username"],
        display_name=staff["display_name"],
        phone=phone,
        active=staff["active"],
        grants=grants,
    )


_COLUMNS = (
    StaffAccount.id,
    StaffAccount.username,
    StaffAccount.display_name,
    StaffAccount.phone_enc,
    StaffAccount.active,
)


async def get_staff(actor: Actor, staff_id: int, *, reveal: bool = False) -> StaffView:
    """One account; staff phones are shown in full only to admins in scope (and logged)."""
    staff = await StaffAccount.select(*_COLUMNS).where(StaffAccount.id == staff_id).first()
    grants = (await _grants_of([staff_id])).get(staff_id, [])
    if staff is None or not _visible(actor, grants):
        raise not_found("staff", staff_id)
    if reveal:
        if not any(actor.may(Action.staff_manage, g["unit_prefix"]) for g in grants):
            raise DomainError(ErrorCode.FORBIDDEN, action="pii.reveal")
        if staff["phone_enc"]:
            async with write_transaction():
                await PiiAccessLog.insert(
                    PiiAccessLog(
                        staff=actor.id,
                        subject_kind="staff",
                        subject_id=staff_id,
                        fields="phone",
                        at=clock.now(),
                    )
                )
    return await _view(actor, staff, grants, reveal)


async def list_staff(
    actor: Actor,
    *,
    unit_id: int | None = None,
    role: Role | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[StaffView], int]:
    prefixes = actor.scope_prefixes(Action.staff_read)
    if unit_id is not None:
        unit = await _unit(unit_id)
        if not actor.may(Action.staff_read, unit["prefix"]):
            raise not_found("unit", unit_id)
        prefixes = [unit["prefix"]]
    if not prefixes:
        return [], 0
    condition = RoleAssignment.unit.prefix.like(prefixes[0] + "%")
    for p in prefixes[1:]:
        condition = condition | RoleAssignment.unit.prefix.like(p + "%")
    if role is not None:
        condition = condition & (RoleAssignment.role == role)
    ids = sorted(
        {r["staff"] for r in await RoleAssignment.select(RoleAssignment.staff).where(condition)}
    )
    page_ids = ids[offset : offset + limit]
    rows = (
        await StaffAccount.select(*_COLUMNS)
        .where(StaffAccount.id.is_in(page_ids))
        .order_by(StaffAccount.id)
        if page_ids
        else []
    )
    grants = await _grants_of(page_ids)
    return [await _view(actor, r, grants.get(r["id"], []), False) for r in rows], len(ids)


async def set_active(actor: Actor, staff_id: int, active: bool) -> StaffView:
    view = await get_staff(actor, staff_id)
    if not any(actor.may(Action.staff_manage, g["unit_prefix"]) for g in view.grants):
        raise DomainError(ErrorCode.FORBIDDEN, action=str(Action.staff_manage))
    async with write_transaction():
        await StaffAccount.update({StaffAccount.active: active}).where(StaffAccount.id == staff_id)
    return await get_staff(actor, staff_id)


async def reset_password(actor: Actor, staff_id: int, new_password: str) -> None:
    """An admin sets a new password; the account's sessions end (password_changed_at)."""
    view = await get_staff(actor, staff_id)
    if not any(actor.may(Action.staff_manage, g["unit_prefix"]) for g in view.grants):
        raise DomainError(ErrorCode.FORBIDDEN, action=str(Action.staff_manage))
    check_strength(new_password)
    async with write_transaction():
        await StaffAccount.update(
            {
                StaffAccount.password_hash: hash_password(new_password),
                StaffAccount.password_changed_at: clock.now(),
            }
        ).where(StaffAccount.id == staff_id)
