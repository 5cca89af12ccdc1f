"""CSRF protection for the console's forms: a double-submit token, on the console router only.

Every console page sets (once) a random token in the ``gridgov_csrf`` cookie — HttpOnly,
SameSite=Lax, path ``/console`` — and renders the same token in a hidden ``_csrf`` field of
every form. A POST is accepted only when the field equals the cookie: another site can make
the browser send the cookie but can neither read it nor guess it for the field. The login
form is protected too (no signing a victim into the attacker's account).

The check hangs on the console router (``before_request``), so the JSON API — bearer tokens,
which a browser never sends on its own — is untouched by it.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from backend.config import Settings
from backend.console.session import PREFIX, signed_in

CSRF_COOKIE = "gridgov_csrf"
CSRF_FIELD = "_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Exception):
    """A POST without the matching token: answered 403 with the reason in Chinese."""


def csrf_token(request: Request[Any, Any, Any]) -> str:
    """This browser's token: the cookie's, or a new one (set by :func:`csrf_cookie`)."""
    token = request.scope.get("state", {}).get("console_csrf")
    if token:
        return str(token)
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    request.scope.setdefault("state", {})["console_csrf"] = token
    return token


def csrf_cookie(request: Request[Any, Any, Any], settings: Settings) -> Cookie | None:
    """The cookie to set with this answer, when the browser does not hold it yet."""
    token = csrf_token(request)
    if request.cookies.get(CSRF_COOKIE) == token:
        return None
    return Cookie(
        key=CSRF_COOKIE,
        value=token,
        path=PREFIX,
        httponly=True,
        samesite="lax",
        secure=settings.env == "prod",
    )


async def check_csrf(request: Request[Any, Any, Any]) -> None:
    """``before_request`` of the console router: refuse an unsafe method without the token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(expected, sent):
        await signed_in(request)  # the refusal page keeps the signed-in header
        raise CsrfRefused
