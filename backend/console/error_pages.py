"""The console's refusals as pages: HTML in the user's language, inside the usual header
(name, menu, logout) when someone is signed in — never the JSON API's body.

Exception handlers run synchronously, so the header comes from the request's state, filled by
:func:`backend.console.session.signed_in` when the page (or the CSRF check) resolved the
session, or else by :func:`remember_signed_in`, an ``after_exception`` hook of the app (async,
run before any handler). A path under ``/console`` that no page serves fails in the app's
router, before the console router: :func:`console_or` makes the app's handler answer those
with the console's page and leaves ``/api/…`` to the JSON handler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.types import Scope

from backend.console.csrf import CsrfRefused
from backend.console.render import error_page
from backend.console.session import PREFIX, SignInRequired, language_of, signed_in, to_sign_in
from backend.console.texts import text
from backend.errors import DomainError, ErrorCode
from backend.i18n import translate

log = logging.getLogger("gridgov.console")


def _sign_in(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return to_sign_in(exc.next_path)


def _csrf(request: Request[Any, Any, Any], exc: CsrfRefused) -> Any:
    return error_page(request, 403, text("csrf", language_of(request)))


def _domain(request: Request[Any, Any, Any], exc: DomainError) -> Any:
    return error_page(request, exc.status, translate(exc.code, language_of(request), exc.data))


def not_found_page(request: Request[Any, Any, Any]) -> Any:
    data = {"kind": "page", "id": request.url.path}
    return error_page(request, 404, translate(ErrorCode.NOT_FOUND, language_of(request), data))


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Any:
    language = language_of(request)
    if isinstance(exc, NotFoundException):
        return not_found_page(request)
    if isinstance(exc, ValidationException):
        data = {"field": "request", "reason": str(exc.detail)}
        return error_page(request, 400, translate(ErrorCode.VALIDATION, language, data))
    code = ErrorCode.INTERNAL if exc.status_code >= 500 else ErrorCode.VALIDATION
    data = {"field": "request", "reason": str(exc.detail)}
    return error_page(request, exc.status_code, translate(code, language, data))


EXCEPTION_HANDLERS: dict[type[Exception], Any] = {
    SignInRequired: _sign_in,
    CsrfRefused: _csrf,
    DomainError: _domain,
    HTTPException: _http,
}


#: Served by other apps under the console's prefix, with their own answers.
NOT_PAGES = (PREFIX + "/static/", PREFIX + "/admin")


def is_console_page(path: str) -> bool:
    return (path == PREFIX or path.startswith(PREFIX + "/")) and not path.startswith(NOT_PAGES)


async def remember_signed_in(exc: Exception, scope: Scope) -> None:
    """``after_exception`` hook: before a refusal on a console page is rendered, find who is
    signed in (when no page did yet) so the error page keeps the header."""
    if scope.get("type") != "http" or isinstance(exc, SignInRequired | CsrfRefused):
        return
    state = scope.get("state")
    if state is None or "console_me" in state or not is_console_page(scope.get("path", "")):
        return
    try:
        await signed_in(Request(scope))
    except Exception:  # the database may be what failed: the page goes without the header
        log.debug("console error page without the header", exc_info=True)


def console_or(api_handler: Callable[[Request[Any, Any, Any], Any], Any]) -> Any:
    """The app-level handler of HTTP errors: a console path gets the console's page (an
    unknown ``/console/…`` path is an HTML 404), every other path the API's JSON."""

    def handler(request: Request[Any, Any, Any], exc: HTTPException) -> Any:
        if is_console_page(request.url.path):
            return _http(request, exc)
        return api_handler(request, exc)

    return handler
