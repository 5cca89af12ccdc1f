"""Every error leaves as ``{code, message, data}``, the message in the caller's language."""

from __future__ import annotations

import logging
from typing import Any

from asyncpg.exceptions import DataError as PgDataError
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from backend import db
from backend.errors import DomainError, ErrorCode
from backend.i18n import ZH, pick_language, translate

log = logging.getLogger("gridgov.http")


def error_body(request: Request[Any, Any, Any], code: str, data: dict[str, Any]) -> dict[str, Any]:
    settings = getattr(request.app.state, "settings", None)
    default = settings.default_language if settings is not None else ZH
    language = pick_language(request.headers.get("accept-language"), default)
    return {"code": code, "message": translate(code, language, data), "data": data}


def _response(
    request: Request[Any, Any, Any], status: int, code: str, data: dict[str, Any]
) -> Response[Any]:
    headers = {}
    if code == ErrorCode.RATE_LIMITED and "retry_after" in data:
        headers["Retry-After"] = str(data["retry_after"])
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if code == ErrorCode.DATABASE_UNAVAILABLE:
        headers["Retry-After"] = "2"
    return Response(
        content=error_body(request, code, data),
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return _response(request, exc.status, exc.code, exc.data)


def _validation_data(exc: ValidationException) -> dict[str, Any]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    fields = [str(e.get("key") or e.get("source") or "") for e in extra if isinstance(e, dict)]
    reasons = [str(e.get("message", "")) for e in extra if isinstance(e, dict)]
    return {
        "field": ", ".join(f for f in fields if f) or "body",
        "reason": "; ".join(r for r in reasons if r) or str(exc.detail),
        "errors": extra,
    }


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, ValidationException):
        return _response(request, 400, ErrorCode.VALIDATION, _validation_data(exc))
    if isinstance(exc, NotAuthorizedException):
        return _response(request, 401, ErrorCode.UNAUTHENTICATED, {})
    if isinstance(exc, PermissionDeniedException):
        return _response(request, 403, ErrorCode.FORBIDDEN, {"action": str(exc.detail)})
    if isinstance(exc, NotFoundException):
        return _response(
            request, 404, ErrorCode.NOT_FOUND, {"kind": "resource", "id": request.url.path}
        )
    if exc.status_code == 413:
        return _response(request, 413, ErrorCode.PAYLOAD_TOO_LARGE, {})
    if exc.status_code == 405:
        return _response(
            request, 405, ErrorCode.VALIDATION, {"field": "method", "reason": str(exc.detail)}
        )
    code = ErrorCode.INTERNAL if exc.status_code >= 500 else ErrorCode.VALIDATION
    return _response(
        request, exc.status_code, code, {"field": "request", "reason": str(exc.detail)}
    )


def nesting_error_handler(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """A body nested deeper than the decoder's recursion (``[[[[…`` 100 000 levels) is the
    client's fault: msgspec stops with RecursionError before using the stack up, and the
    answer is a 400 rather than a server error."""
    log.warning("request body nested too deeply on %s %s", request.method, request.url.path)
    return _response(
        request, 400, ErrorCode.VALIDATION, {"field": "body", "reason": "nested too deeply"}
    )


def data_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """PostgreSQL refused a value as data (SQLSTATE class 22: text longer than its column, a
    NUL character, a number out of range): the request's fault, answered 400 instead of 500.
    SQLite stores such values, so the input structs also carry the columns' limits where a
    field reaches one; this is the net under the ones not yet annotated."""
    # the class and SQLSTATE only: asyncpg's message may quote the value (personal data)
    log.warning(
        "database refused a value on %s %s: %s (SQLSTATE %s)",
        request.method,
        request.url.path,
        type(exc).__name__,
        getattr(exc, "sqlstate", None),
    )
    if _out_of_range(exc):
        return out_of_range_handler(request, exc)
    return _response(
        request, 400, ErrorCode.VALIDATION, {"field": "body", "reason": "value not storable"}
    )


def _out_of_range(exc: Exception) -> bool:
    """A number the column cannot hold: refused by the server (SQLSTATE 22003) or by asyncpg
    while encoding the argument ("value out of int64 range", a plain DataError)."""
    return getattr(exc, "sqlstate", None) == "22003" or "out of int" in str(exc)


def out_of_range_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A value the database cannot hold — an id past 64 bits in a path, query or body (SQLite
    raises OverflowError, asyncpg DataError) — is the caller's mistake, not the server's."""
    log.info("value out of range on %s %s: %s", request.method, request.url.path, exc)
    return _response(request, 400, ErrorCode.VALUE_OUT_OF_RANGE, {})


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if db.unavailable(exc):
        # Expected during a database restart or failover: one line, no trace; the pool
        # reconnects by itself on a later request.
        log.warning(
            "database unavailable on %s %s: %s", request.method, request.url.path, _leaf(exc)
        )
        return _response(request, 503, ErrorCode.DATABASE_UNAVAILABLE, {})
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _response(request, HTTP_500_INTERNAL_SERVER_ERROR, ErrorCode.INTERNAL, {})


def _leaf(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {exc}"


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    RecursionError: nesting_error_handler,
    OverflowError: out_of_range_handler,
    PgDataError: data_error_handler,
    Exception: internal_error_handler,
}
