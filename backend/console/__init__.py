"""The triage console: server-rendered pages for center staff under ``/console``.

A thin door like the JSON API: every page calls the same domain services and queries
(``grid.cases.services``), which check scope and roles. What is its own here: the session
cookie (:mod:`.session`), CSRF (:mod:`.csrf`), templates and a little CSS/JS (package data).
The pages stay out of the OpenAPI document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response, Router
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.static_files import create_static_files_router

from backend.console import auth_pages, case_pages, dashboard_pages, queue_pages
from backend.console.csrf import CsrfRefused, check_csrf
from backend.console.render import error_page, template_config
from backend.console.session import PREFIX, SignInRequired, language_of, to_sign_in
from backend.console.texts import text
from backend.errors import DomainError, ErrorCode
from backend.i18n import translate

STATIC = Path(__file__).with_name("static")

__all__ = ["console_router", "console_static_router", "template_config"]


def _sign_in(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return to_sign_in(exc.next_path)


def _csrf(request: Request[Any, Any, Any], exc: CsrfRefused) -> Any:
    return error_page(request, 403, text("csrf", language_of(request)))


def _domain(request: Request[Any, Any, Any], exc: DomainError) -> Any:
    return error_page(request, exc.status, translate(exc.code, language_of(request), exc.data))


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Any:
    language = language_of(request)
    if isinstance(exc, NotFoundException):
        data = {"kind": "page", "id": request.url.path}
        return error_page(request, 404, translate(ErrorCode.NOT_FOUND, language, data))
    if isinstance(exc, ValidationException):
        data = {"field": "request", "reason": str(exc.detail)}
        return error_page(request, 400, translate(ErrorCode.VALIDATION, language, data))
    code = ErrorCode.INTERNAL if exc.status_code >= 500 else ErrorCode.VALIDATION
    data = {"field": "request", "reason": str(exc.detail)}
    return error_page(request, exc.status_code, translate(code, language, data))


def console_router() -> Router:
    return Router(
        path=PREFIX,
        route_handlers=[
            auth_pages.console_home,
            auth_pages.login_form,
            auth_pages.login_submit,
            auth_pages.logout,
            auth_pages.switch_language,
            queue_pages.queue_page,
            queue_pages.queue_rows,
            case_pages.case_page,
            case_pages.case_action,
            dashboard_pages.dashboard_page,
            dashboard_pages.dashboard_csv,
            dashboard_pages.dashboard_xlsx,
        ],
        before_request=check_csrf,
        exception_handlers={
            SignInRequired: _sign_in,
            CsrfRefused: _csrf,
            DomainError: _domain,
            HTTPException: _http,
        },
        include_in_schema=False,
        tags=["console"],
    )


def console_static_router() -> Router:
    """CSS and JS of the console: public, cached briefly (they change with a deploy)."""
    return create_static_files_router(
        path=PREFIX + "/static",
        directories=[STATIC],
        include_in_schema=False,
        cache_control=None,
        name="console-static",
    )
