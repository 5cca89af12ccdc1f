"""The category taxonomy: reading it (everyone), editing it (admins), and the cached copy the
intake and the escalation sweep read on every case.

A category's limits are validated against the ladder (:mod:`grid.cases.deadlines`), and its
``first_level`` is always the lowest level with a limit, so the two can never disagree.
Deactivating hides a category from new reports; cases already made keep it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backend import clock
from backend.db import get_engine, write_transaction
from backend.errors import DomainError, ErrorCode, forbidden, invalid, not_found
from grid.actors import Actor
from grid.cases.calendar import TimeUnit
from grid.cases.deadlines import first_level, validate_limits
from grid.cases.tables import Category, CategoryKind
from grid.permissions import Action
from grid.tables import DepartmentKind

REFRESH_S = 10.0


@dataclass(frozen=True)
class CategoryView:
    id: int
    code: str
    parent_id: int | None
    name: str
    name_en: str
    kind: str
    first_level: str
    time_unit: str
    limits: dict[str, int]
    duplicate_radius_m: int
    duplicate_window_h: int
    owner_department_kind: str | None
    active: bool

    @property
    def is_major(self) -> bool:
        return self.parent_id is None


def _view(row: Mapping[str, Any]) -> CategoryView:
    limits = row["limits"]
    if isinstance(limits, str):
        import json

        limits = json.loads(limits)
    return CategoryView(
        id=row["id"],
        code=row["code"],
        parent_id=row["parent"],
        name=row["name"],
        name_en=row["name_en"],
        kind=row["kind"],
        first_level=row["first_level"],
        time_unit=row["time_unit"],
        limits={str(k): int(v) for k, v in dict(limits).items()},
        duplicate_radius_m=row["duplicate_radius_m"],
        duplicate_window_h=row["duplicate_window_h"],
        owner_department_kind=row["owner_department_kind"],
        active=bool(row["active"]),
    )


_cache: dict[int, tuple[float, dict[int, CategoryView]]] = {}


def forget_categories() -> None:
    _cache.clear()


async def all_categories() -> dict[int, CategoryView]:
    """Every category by id, re-read at most every :data:`REFRESH_S` seconds."""
    key = id(get_engine())
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < REFRESH_S:
        return hit[1]
    rows = await Category.select().order_by(Category.code)
    views = {r["id"]: _view(r) for r in rows}
    _cache[key] = (time.monotonic(), views)
    return views


async def get_category(category_id: int) -> CategoryView:
    found = (await all_categories()).get(category_id)
    if found is None:
        forget_categories()
        found = (await all_categories()).get(category_id)
    if found is None:
        raise not_found("category", category_id)
    return found


async def reportable_category(category_id: int) -> CategoryView:
    """A category a new report may use: active, and a minor one (cases take minor categories)."""
    category = await get_category(category_id)
    if not category.active:
        raise DomainError(ErrorCode.CATEGORY_INACTIVE, name=category.name, reason="已停用")
    if category.is_major:
        raise DomainError(ErrorCode.CATEGORY_INACTIVE, name=category.name, reason="请选择小类")
    return category


async def list_categories(actor: Actor, *, include_inactive: bool = False) -> list[CategoryView]:
    del actor  # every staff member reads the taxonomy; residents get it through their channel
    views = sorted((await all_categories()).values(), key=lambda v: v.code)
    return [v for v in views if include_inactive or v.active]


@dataclass
class CategoryDraft:
    code: str
    name: str
    time_unit: TimeUnit
    limits: dict[str, int]
    parent_id: int | None = None
    name_en: str = ""
    kind: CategoryKind = CategoryKind.event
    duplicate_radius_m: int = 50
    duplicate_window_h: int = 24
    owner_department_kind: DepartmentKind | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _check_admin(actor: Actor) -> None:
    if not actor.grants_for(Action.category_manage):
        raise forbidden(str(Action.category_manage))


def _clean_limits(limits: Mapping[str, int]) -> dict[str, int]:
    try:
        return validate_limits(limits)
    except ValueError as exc:
        raise invalid("limits", str(exc)) from exc


def _choice(value: Any, kind: type[Any], field: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise invalid(field, "one of " + ", ".join(str(k) for k in kind)) from None


def _owner_kind(value: Any) -> DepartmentKind | None:
    return None if value in (None, "") else _choice(value, DepartmentKind, "owner_department_kind")


def _check_numbers(radius: int, window: int) -> None:
    if not 0 <= radius <= 5000:
        raise invalid("duplicate_radius_m", "0–5000")
    if not 0 <= window <= 24 * 90:
        raise invalid("duplicate_window_h", "0–2160")


async def check_new_category(actor: Actor, draft: CategoryDraft) -> dict[str, Any]:
    """The row a new category gets, by column name, once every rule holds: the admin right,
    the code's shape, a minor's major present, limits on the ladder (``first_level`` derived
    from them). Shared by :func:`create_category` and the admin site, so neither door can
    store a category the other would refuse."""
    _check_admin(actor)
    code = draft.code.strip()
    if not code.isascii() or not code.isdigit() or len(code) not in (2, 4):
        raise invalid("code", "2 digits for a major category, 4 for a minor one")
    if not draft.name.strip():
        raise invalid("name", "required")
    limits = _clean_limits(draft.limits)
    _check_numbers(draft.duplicate_radius_m, draft.duplicate_window_h)
    if await Category.exists().where(Category.code == code):
        raise DomainError(ErrorCode.CATEGORY_CODE_TAKEN, code=code)
    parent = None
    if len(code) == 4:
        parent = await Category.select(Category.id).where(Category.code == code[:2]).first()
        if parent is None or (draft.parent_id not in (None, parent["id"])):
            raise invalid("parent_id", f"a minor category needs its major {code[:2]} first")
    elif draft.parent_id is not None:
        raise invalid("parent_id", "a major category has no parent")
    return {
        "code": code,
        "parent": parent["id"] if parent else None,
        "name": draft.name.strip(),
        "name_en": draft.name_en.strip(),
        "kind": _choice(draft.kind, CategoryKind, "kind"),
        "first_level": first_level(limits),
        "time_unit": _choice(draft.time_unit, TimeUnit, "time_unit"),
        "limits": limits,
        "duplicate_radius_m": draft.duplicate_radius_m,
        "duplicate_window_h": draft.duplicate_window_h,
        "owner_department_kind": _owner_kind(draft.owner_department_kind),
        "active": True,
        "updated_at": clock.now(),
    }


async def create_category(actor: Actor, draft: CategoryDraft) -> CategoryView:
    async with write_transaction():
        values = await check_new_category(actor, draft)
        row = await Category.insert(Category(**values)).returning(Category.id)
    forget_categories()
    return await get_category(row[0]["id"])


EDITABLE = (
    "name",
    "name_en",
    "time_unit",
    "limits",
    "duplicate_radius_m",
    "duplicate_window_h",
    "owner_department_kind",
    "active",
)


async def check_category_changes(
    actor: Actor, category_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """The column values an edit stores, by name, once every rule holds: only the editable
    fields (the code and the tree position never change), limits on the ladder with
    ``first_level`` following them, sane duplicate settings. Empty when nothing changes."""
    _check_admin(actor)
    current = await get_category(category_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise invalid(", ".join(sorted(unknown)), "not editable")
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "limits":
            value = _clean_limits(value)
            values["first_level"] = first_level(value)
        elif name == "time_unit":
            value = _choice(value, TimeUnit, "time_unit")
        elif name == "owner_department_kind":
            value = _owner_kind(value)
        elif name == "name" and not str(value).strip():
            raise invalid("name", "required")
        values[name] = value
    _check_numbers(
        changes.get("duplicate_radius_m", current.duplicate_radius_m),
        changes.get("duplicate_window_h", current.duplicate_window_h),
    )
    if values:
        values["updated_at"] = clock.now()
    return values


async def update_category(actor: Actor, category_id: int, changes: dict[str, Any]) -> CategoryView:
    """Change the editable fields given; the code and the tree position never change."""
    values = await check_category_changes(actor, category_id, changes)
    if values:
        async with write_transaction():
            await Category.update({getattr(Category, k): v for k, v in values.items()}).where(
                Category.id == category_id
            )
        forget_categories()
    return await get_category(category_id)


async def deactivate_category(actor: Actor, category_id: int) -> CategoryView:
    return await update_category(actor, category_id, {"active": False})
