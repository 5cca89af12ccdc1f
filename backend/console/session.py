"""The console's session: the staff token in an HttpOnly cookie, read back into an Actor.

The token is the same database-backed token the JSON API hands out (``backend.auth``): it
dies on logout, expiry and password change for every door at once. The browser never sees it
from script (HttpOnly) and sends it on top-level navigation only from this site (SameSite=Lax);
every POST also carries the CSRF token (see :mod:`backend.console.csrf`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.datastructures import Cookie

from backend import auth
from backend.config import Settings
from backend.console.me import me_of
from backend.errors import DomainError
from backend.i18n import EN, ZH
from grid.actors import Actor

SESSION_COOKIE = "gridgov_console"
LANGUAGE_COOKIE = "gridgov_lang"
PREFIX = "/console"


class SignInRequired(Exception):
    """No valid session: pages answer with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def language_of(request: Request[Any, Any, Any]) -> str:
    """The console speaks Chinese unless the user switched to English."""
    return EN if request.cookies.get(LANGUAGE_COOKIE) == EN else ZH


def session_token(request: Request[Any, Any, Any]) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


async def signed_in(request: Request[Any, Any, Any]) -> Actor | None:
    """The session's staff member or None; also keeps their page header (:mod:`.me`) in the
    request's state, so an error page later in the same request still shows who, the menu
    and the logout button."""
    token = session_token(request)
    if not token:
        return None
    try:
        actor = await auth.actor_from_token(token)
    except DomainError:
        return None
    request.state.console_me = await me_of(actor, request.url.path)
    return actor


async def session_actor(request: Request[Any, Any, Any]) -> Actor:
    """The signed-in staff member, or :class:`SignInRequired` (never a bearer header: the
    console is a cookie door, the JSON API a bearer door)."""
    actor = await signed_in(request)
    if actor is not None:
        return actor
    raise SignInRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))


def safe_next(value: str | None) -> str:
    """Only a path inside the console: never an open redirect to another site."""
    if (
        value
        and value.startswith(PREFIX + "/")
        and not value.startswith("//")
        and "\\" not in value
    ):
        return value
    return PREFIX + "/queue"


def session_cookie(token: str, settings: Settings, *, max_age: int | None = None) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path=PREFIX,
        httponly=True,
        samesite="lax",
        secure=settings.env == "prod",
        max_age=max_age if max_age is not None else settings.token_ttl_hours * 3600,
    )


def to_sign_in(next_path: str) -> Response[Any]:
    return Response(
        content=b"",
        status_code=303,
        headers={"Location": f"{PREFIX}/login?next={quote(next_path, safe='/')}"},
    )
