"""Rendering console pages: the Jinja environment (autoescaped), the context every page gets
(words in the user's language, the CSRF token, who is signed in) and the error page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader
from litestar import MediaType, Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from backend.console.csrf import CSRF_FIELD, csrf_cookie, csrf_token
from backend.console.me import Me
from backend.console.session import language_of, settings_of
from backend.console.texts import channel_name, level_name, text
from grid.cases.calendar import TZ


def local_time(value: datetime | None) -> str:
    """Times as staff read them: Beijing time, to the minute."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def environment() -> Environment:
    """Autoescaping everywhere: case text comes from residents and is never trusted."""
    env = Environment(
        loader=PackageLoader("backend.console", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_time"] = local_time
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


def page(
    request: Request[Any, Any, Any],
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    language = language_of(request)
    settings = settings_of(request)
    cookie = csrf_cookie(request, settings)

    def t(key: str, **values: object) -> str:
        return text(key, language, **values)

    full = {
        "t": t,
        "lang": language,
        "csrf_field": CSRF_FIELD,
        "csrf": csrf_token(request),
        "level_name": lambda level: level_name(level, language),
        "channel_name": lambda channel: channel_name(channel, language),
        "path": request.url.path,
        "me": signed_in_me(request),
        **context,
    }
    return Template(
        template_name=name,
        context=full,
        status_code=status_code,
        media_type=MediaType.HTML,
        cookies=[cookie] if cookie else [],
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def signed_in_me(request: Request[Any, Any, Any]) -> Me | None:
    """Who :func:`~backend.console.session.session_actor` found for this request, if anyone:
    error pages, rendered by synchronous exception handlers, keep the header through it."""
    me: Me | None = getattr(request.state, "console_me", None)
    return me


def error_page(request: Request[Any, Any, Any], status: int, message: str) -> Template:
    return page(request, "error.html", {"status": status, "message": message}, status_code=status)
