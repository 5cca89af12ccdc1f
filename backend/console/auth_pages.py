"""Sign-in, sign-out and the language switch of the console."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery

from backend import auth
from backend.console.render import page
from backend.console.session import (
    LANGUAGE_COOKIE,
    PREFIX,
    language_of,
    safe_next,
    session_cookie,
    session_token,
    settings_of,
)
from backend.errors import DomainError
from backend.i18n import EN, ZH, translate


def _redirect(location: str, cookies: list[Cookie] | None = None) -> Response[Any]:
    return Response(
        content=b"", status_code=303, headers={"Location": location}, cookies=cookies or []
    )


@get("/", sync_to_thread=False)
def console_home() -> Response[Any]:
    return _redirect(PREFIX + "/queue")


@get("/login")
async def login_form(request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Any:
    token = session_token(request)
    if token:
        try:
            await auth.actor_from_token(token)
            return _redirect(safe_next(next))
        except DomainError:
            pass
    return page(request, "login.html", {"next": safe_next(next), "error": None, "username": ""})


@post("/login")
async def login_submit(request: Request[Any, Any, Any]) -> Any:
    form = await request.form()
    username = str(form.get("username") or "")
    password = str(form.get("password") or "")
    next_path = safe_next(str(form.get("next") or ""))
    settings = settings_of(request)
    ip = request.client.host if request.client else "unknown"
    try:
        issued = await auth.login(username, password, ip, settings)
    except DomainError as exc:
        message = translate(exc.code, language_of(request), exc.data)
        context = {"next": next_path, "error": message, "username": username}
        return page(request, "login.html", context, status_code=exc.status)
    return _redirect(next_path, [session_cookie(issued.token, settings)])


@post("/logout")
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    token = session_token(request)
    if token:
        await auth.logout(token)
    gone = session_cookie("", settings_of(request), max_age=0)
    return _redirect(PREFIX + "/login", [gone])


@post("/language")
async def switch_language(request: Request[Any, Any, Any]) -> Response[Any]:
    form = await request.form()
    language = EN if form.get("to") == EN else ZH
    back = safe_next(str(form.get("next") or ""))
    cookie = Cookie(
        key=LANGUAGE_COOKIE,
        value=language,
        path=PREFIX,
        samesite="lax",
        httponly=True,
        max_age=365 * 24 * 3600,
    )
    return _redirect(back, [cookie])
