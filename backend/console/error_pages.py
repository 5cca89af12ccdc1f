"""The console's refusals as pages: HTML in the user's language, inside the usual header
(name, menu, logout) when someone is signed in — never the JSON API's body.

Exception handlers run synchronously, so the header comes from the request's state, filled by
:func:`backend.console.session.signed_in` when the handler (or the CSRF check) resolved the
session. A path under ``/console`` that no page serves reaches :func:`unknown_page`, which
resolves the session itself and answers the 404 page.
"""

from __future__ import annotations

from typing import Any

from litestar import HttpMethod, Request, Response, route
from litestar.exceptions import HTTPException, NotFoundException, ValidationException

from backend.console.csrf import CsrfRefused
from backend.console.render import error_page
from backend.console.session import SignInRequired, language_of, signed_in, to_sign_in
from backend.console.texts import text
from backend.errors import DomainError, ErrorCode
from backend.i18n import translate


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


@route(
    "/{rest:path}",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    name="console-unknown-page",
)
async def unknown_page(request: Request[Any, Any, Any], rest: str) -> Any:
    """Any other ``/console/…`` path: the 404 page (with the header when signed in)."""
    await signed_in(request)
    return not_found_page(request)
