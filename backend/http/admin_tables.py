"""piccolo-admin's tables and the domain's checks on every write to them (hooks and
validators). Why: :mod:`backend.http.console_admin`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import HTTPException
from piccolo.table import Table
from piccolo_admin.endpoints import TableConfig
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators
from starlette.requests import Request

from backend.errors import DomainError, ErrorCode
from backend.http.admin_gate import ACTOR_KEY
from backend.i18n import ZH, translate
from grid.actors import Actor
from grid.cases.services.calendar import check_holiday, check_holiday_removal
from grid.cases.services.categories import (
    CategoryDraft,
    check_category_changes,
    check_new_category,
)
from grid.cases.tables import Category, Holiday
from grid.services.centers import (
    check_department_changes,
    check_department_removal,
    check_new_department,
)
from grid.tables import Department, OrgUnit


def _actor(request: Request) -> Actor:
    actor = request.scope.get(ACTOR_KEY)
    if actor is None:
        raise HTTPException(status_code=401, detail="not signed in")
    return actor


def _refusal(exc: DomainError) -> HTTPException:
    """The domain's refusal as piccolo-admin shows errors: the message as text (Chinese)."""
    return HTTPException(status_code=exc.status, detail=translate(exc.code, ZH, exc.data))


def _plain(value: Any) -> Any:
    """A submitted or stored value in a comparable shape (JSON text parsed, enums as text)."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "["):
            try:
                return json.loads(stripped)
            except ValueError:
                return value
        return value
    if isinstance(value, Table):
        return value.id
    return value


async def _changed(table: type[Table], row_id: Any, values: dict[Any, Any]) -> dict[str, Any]:
    """Only the fields whose submitted value differs from the stored one (the admin's edit
    form sends every field back)."""
    current = await table.select().where(table._meta.primary_key == row_id).first()
    if current is None:
        raise HTTPException(status_code=404, detail="not found")
    out: dict[str, Any] = {}
    for column, value in values.items():
        name = column._meta.name if hasattr(column, "_meta") else str(column)
        if _plain(value) != _plain(current.get(name)):
            out[name] = _plain(value)
    return out


def _columns(table: type[Table], values: dict[str, Any]) -> dict[Any, Any]:
    return {getattr(table, name): value for name, value in values.items()}


async def _category_saved(row: Category, request: Request) -> Category:
    parent = row.parent
    draft = CategoryDraft(
        code=str(row.code or ""),
        name=str(row.name or ""),
        time_unit=row.time_unit,
        limits=_plain(row.limits) or {},
        parent_id=parent.id if isinstance(parent, Table) else parent,
        name_en=str(row.name_en or ""),
        kind=row.kind,
        duplicate_radius_m=row.duplicate_radius_m,
        duplicate_window_h=row.duplicate_window_h,
        owner_department_kind=row.owner_department_kind or None,
    )
    try:
        values = await check_new_category(_actor(request), draft)
    except DomainError as exc:
        raise _refusal(exc) from exc
    for name, value in values.items():
        setattr(row, name, value)
    return row


async def _category_patched(row_id: int, values: dict[Any, Any], request: Request) -> Any:
    changes = await _changed(Category, row_id, values)
    changes.pop("updated_at", None)
    try:
        cleaned = await check_category_changes(_actor(request), row_id, changes)
    except DomainError as exc:
        raise _refusal(exc) from exc
    return _columns(Category, cleaned) or _unchanged(Category, row_id)


def _unchanged(table: type[Table], row_id: Any) -> dict[Any, Any]:
    """An update that changes nothing (piccolo refuses an empty one)."""
    return {table._meta.primary_key: row_id}


async def _holiday_saved(row: Holiday, request: Request) -> Holiday:
    try:
        row.name = check_holiday(_actor(request), str(row.name or ""))
    except DomainError as exc:
        raise _refusal(exc) from exc
    day = row.day if isinstance(row.day, date) else date.fromisoformat(str(row.day))
    if await Holiday.exists().where(Holiday.day == day):
        raise HTTPException(status_code=409, detail=f"{day} is listed already: edit that row")
    return row


async def _holiday_patched(row_id: int, values: dict[Any, Any], request: Request) -> Any:
    changes = await _changed(Holiday, row_id, values)
    if "day" in changes:
        raise _refusal(DomainError(ErrorCode.VALIDATION, field="day", reason="not editable"))
    try:
        if "name" in changes:
            changes["name"] = check_holiday(_actor(request), str(changes["name"]))
        else:
            check_holiday_removal(_actor(request))  # the same admin right as any change
    except DomainError as exc:
        raise _refusal(exc) from exc
    return _columns(Holiday, changes) or _unchanged(Holiday, row_id)


async def _holiday_deleted(row_id: int, request: Request) -> None:
    try:
        check_holiday_removal(_actor(request))
    except DomainError as exc:
        raise _refusal(exc) from exc


async def _department_saved(row: Department, request: Request) -> Department:
    unit = row.unit
    try:
        values = await check_new_department(
            _actor(request),
            code=str(row.code or ""),
            name=str(row.name or ""),
            kind=row.kind,
            unit_id=unit.id if isinstance(unit, Table) else int(unit or 0),
        )
    except DomainError as exc:
        raise _refusal(exc) from exc
    for name, value in values.items():
        setattr(row, name, value)
    return row


async def _department_patched(row_id: int, values: dict[Any, Any], request: Request) -> Any:
    changes = await _changed(Department, row_id, values)
    fixed = sorted(set(changes) - {"name", "kind"})
    if fixed:
        raise _refusal(
            DomainError(ErrorCode.VALIDATION, field=", ".join(fixed), reason="not editable")
        )
    try:
        cleaned = await check_department_changes(
            _actor(request), row_id, name=changes.get("name"), kind=changes.get("kind")
        )
    except DomainError as exc:
        raise _refusal(exc) from exc
    return _columns(Department, cleaned) or _unchanged(Department, row_id)


async def _department_deleted(row_id: int, request: Request) -> None:
    try:
        await check_department_removal(_actor(request), row_id)
    except DomainError as exc:
        raise _refusal(exc) from exc


def _refuse(reason: str) -> Callable[..., None]:
    def validator(piccolo_crud: Any, request: Request) -> None:
        raise HTTPException(status_code=405, detail=reason)

    return validator


NO_PUT = _refuse("PUT skips the domain's checks: edit with PATCH")
NO_BULK_DELETE = _refuse("delete rows one at a time")


def admin_tables() -> list[TableConfig]:
    """The tables shown and the rules on each (see the module docstring)."""
    read_only = _refuse("org units are edited through /api/v1/units")
    return [
        TableConfig(
            Category,
            visible_columns=[
                Category.id,
                Category.code,
                Category.name,
                Category.first_level,
                Category.active,
            ],
            hooks=[
                Hook(HookType.pre_save, _category_saved),
                Hook(HookType.pre_patch, _category_patched),
            ],
            validators=Validators(
                put_single=[NO_PUT],
                delete_all=[NO_BULK_DELETE],
                delete_single=[_refuse("cases keep their category: deactivate it instead")],
            ),
            menu_group="基础数据",
        ),
        TableConfig(
            Holiday,
            hooks=[
                Hook(HookType.pre_save, _holiday_saved),
                Hook(HookType.pre_patch, _holiday_patched),
                Hook(HookType.pre_delete, _holiday_deleted),
            ],
            validators=Validators(put_single=[NO_PUT], delete_all=[NO_BULK_DELETE]),
            menu_group="基础数据",
        ),
        TableConfig(
            Department,
            exclude_visible_columns=[Department.unit_prefix],
            hooks=[
                Hook(HookType.pre_save, _department_saved),
                Hook(HookType.pre_patch, _department_patched),
                Hook(HookType.pre_delete, _department_deleted),
            ],
            validators=Validators(put_single=[NO_PUT], delete_all=[NO_BULK_DELETE]),
            menu_group="基础数据",
        ),
        TableConfig(
            OrgUnit,
            visible_columns=[OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.level],
            validators=Validators(
                post_single=[read_only],
                put_single=[read_only],
                patch_single=[read_only],
                delete_single=[read_only],
                delete_all=[read_only],
            ),
            menu_group="只读",
        ),
    ]
