"""The door in front of piccolo-admin: our staff session in, piccolo-admin's own auth out.

:class:`AdminGate` (ASGI) resolves the console's session cookie to an Actor and lets in only
an admin granted at the root of the org tree; :class:`GateBackend` stands in for
piccolo-admin's session backend and trusts what the gate put into the scope. Why it is built
this way: :mod:`backend.http.console_admin`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from litestar.types import Message, Receive, Scope, Send
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.requests import HTTPConnection

from backend.auth import actor_from_token
from backend.console.session import LANGUAGE_COOKIE, PREFIX, SESSION_COOKIE
from backend.errors import DomainError, ErrorCode, forbidden
from backend.http.admin_labels import labelled_schema, schema_table
from backend.i18n import EN, ZH, pick_language, translate
from grid.actors import Actor
from grid.cases.services.calendar import forget_calendar
from grid.cases.services.categories import forget_categories
from grid.tables import OrgUnit, Role

ADMIN_PATH = PREFIX + "/admin"
LOGIN_PATH = PREFIX + "/login"
ACTOR_KEY = "gridgov.actor"
#: piccolo-admin's own account pages: our staff sign in, out and change passwords elsewhere.
CLOSED_PATHS = ("/public/login", "/public/logout", "/api/change-password", "/api/mfa-setup")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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


def _relabel(send: Send, table: str, language: str) -> Send:
    """Collects piccolo-admin's schema answer and sends it with our labels
    (:mod:`backend.http.admin_labels`); anything but a 200 passes unchanged."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def relabel(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(chunks)
        if start.get("status") == 200:
            body = labelled_schema(body, table, language)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})  # type: ignore[typeddict-item]
        await send({"type": "http.response.body", "body": body})

    return relabel


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

        table = schema_table(scope.get("method", ""), path)
        if table is not None:
            language = EN if _cookie(scope, LANGUAGE_COOKIE) == EN else ZH
            await self.app(scope, receive, _relabel(send, table, language))
            return
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
