"""piccolo-admin under ``/console/admin``: reference data (categories, the holiday calendar,
departments) for installation admins, behind our sign-in and our rules.

piccolo-admin brings its own users, sessions and login page. We use none of them: there is
one staff account table and one sign-in (the console's session cookie holds the same token
as ``Authorization: Bearer``). So

* :class:`AdminGate` wraps the admin app: it resolves the cookie's token to an
  :class:`~grid.actors.Actor` and lets in only an admin granted at the root of the org tree
  (piccolo-admin lists whole tables and cannot narrow them to a subtree, so a district's
  admin would see other districts' departments). Others get 403, a missing or dead session
  401, and the admin's own login, logout, password and MFA pages 404.
* piccolo-admin's session backend on its ``/api`` is swapped for :class:`GateBackend`, which
  trusts the actor the gate put into the ASGI scope; piccolo-admin's CSRF middleware stays.
* Every write passes the domain's own checks through table hooks (``check_new_category``,
  ``check_category_changes``, ``check_holiday``, ``check_new_department`` …), the same
  functions the JSON API's services call, so the admin site cannot store what the API would
  refuse. Fields the domain keeps fixed (a category's code and parent, a department's code
  and unit) are refused when changed; ``PUT`` and bulk deletes, which skip piccolo's hooks,
  are refused outright; org units are shown read-only (for the pickers).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException
from litestar import asgi
from litestar.handlers import ASGIRouteHandler
from litestar.types import Message, Receive, Scope, Send
from piccolo.table import Table
from piccolo_admin.endpoints import TableConfig, create_admin
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.routing import Mount

from backend.auth import actor_from_token
from backend.console.session import PREFIX, SESSION_COOKIE
from backend.errors import DomainError, ErrorCode, forbidden
from backend.i18n import ZH, pick_language, translate
from grid.actors import Actor
from grid.cases.services.calendar import check_holiday, check_holiday_removal, forget_calendar
from grid.cases.services.categories import (
    CategoryDraft,
    check_category_changes,
    check_new_category,
    forget_categories,
)
from grid.cases.tables import Category, Holiday
from grid.services.centers import (
    check_department_changes,
    check_department_removal,
    check_new_department,
)
from grid.tables import Department, OrgUnit, Role

ADMIN_PATH = PREFIX + "/admin"
LOGIN_PATH = PREFIX + "/login"
ACTOR_KEY = "gridgov.actor"
#: piccolo-admin's own account pages: our staff sign in, out and change passwords elsewhere.
CLOSED_PATHS = ("/public/login", "/public/logout", "/api/change-password", "/api/mfa-setup")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# --- who may enter ---------------------------------------------------------------------------


async def is_root_admin(actor: Actor) -> bool:
    """An admin grant at a unit without a parent (the installation's top unit)."""
    units = [g.unit_id for g in actor.grants if g.role is Role.admin]
    if not units:
        return False
    return await OrgUnit.exists().where(OrgUnit.id.is_in(units) & OrgUnit.parent.is_null())


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name and v:
                    return v
    return None


async def _send_json(scope: Scope, send: Send, exc: DomainError, default: str) -> None:
    headers = dict(scope.get("headers", ()))
    accept = headers.get(b"accept-language", b"").decode("latin-1") or None
    language = pick_language(accept, default)
    body = json.dumps(
        {"code": exc.code, "message": translate(exc.code, language, exc.data), "data": exc.data},
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": exc.status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [(b"location", location.encode()), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


class AdminGate:
    """The ASGI door in front of piccolo-admin (see the module docstring)."""

    def __init__(self, app: Callable[..., Any], default_language: str = ZH) -> None:
        self.app = app
        self.default_language = default_language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        raw = scope.get("raw_path") or b""
        if raw.endswith(b"/") and not path.endswith("/"):
            # Litestar drops a trailing slash before routing; piccolo's routes want it back
            path = scope["path"] = path + "/"
        if path.startswith(CLOSED_PATHS):
            await _send_json(
                scope,
                send,
                DomainError(ErrorCode.NOT_FOUND, kind="page", id=path),
                self.default_language,
            )
            return
        token = _cookie(scope, SESSION_COOKIE)
        actor: Actor | None = None
        if token:
            try:
                actor = await actor_from_token(token)
            except DomainError:
                actor = None
        if actor is None:
            if scope.get("method") == "GET" and path == "/":
                await _redirect(send, f"{LOGIN_PATH}?next={quote(ADMIN_PATH + '/')}")
                return
            await _send_json(
                scope, send, DomainError(ErrorCode.TOKEN_INVALID), self.default_language
            )
            return
        if not await is_root_admin(actor):
            await _send_json(scope, send, forbidden("console.admin"), self.default_language)
            return
        if path == "/" and not raw.endswith(b"/"):
            # index.html loads "./assets/…": it must be served from ".../admin/"
            await _redirect(send, ADMIN_PATH + "/")
            return
        scope[ACTOR_KEY] = actor  # type: ignore[literal-required]
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        if scope.get("method") in WRITES and 200 <= status < 300:
            # the caches every deadline and report reads: an edit is seen at once here
            forget_categories()
            forget_calendar()


class StaffUser(BaseUser):
    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.actor.name

    @property
    def identity(self) -> str:
        return str(self.actor.id)

    @property
    def user_id(self) -> int:
        return self.actor.id


class GateBackend(AuthenticationBackend):
    """Stands in for piccolo-admin's session backend: the gate has already checked."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser]:
        actor = conn.scope.get(ACTOR_KEY)
        if actor is None:
            raise AuthenticationError("not through the admin gate")
        return AuthCredentials(["authenticated"]), StaffUser(actor)


# --- the domain's checks as piccolo hooks ------------------------------------------------------


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


def build_admin(*, production: bool = False) -> Any:
    """piccolo-admin's app with its session backend replaced by :class:`GateBackend`."""
    app = create_admin(
        admin_tables(),
        auto_include_related=False,
        site_name="gridgov 基础数据",
        default_language_code="zh-CN",
        production=production,
    )
    swapped = False
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "/api":
            middleware = route.app
            if isinstance(middleware, AuthenticationMiddleware):
                middleware.backend = GateBackend()
                swapped = True
    if not swapped:  # a piccolo-admin upgrade moved it: refuse to serve the admin unguarded
        raise RuntimeError("piccolo-admin's /api authentication middleware was not found")
    return app


def console_admin_handler(
    *, production: bool = False, default_language: str = ZH
) -> ASGIRouteHandler:
    gate = AdminGate(build_admin(production=production), default_language)

    @asgi(ADMIN_PATH, is_mount=True, is_static=True, copy_scope=True)
    async def console_admin(scope: Scope, receive: Receive, send: Send) -> None:
        await gate(scope, receive, send)

    return console_admin
