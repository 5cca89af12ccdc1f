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
* The site speaks Chinese: piccolo-admin's own Simplified Chinese translation is the default
  and English the one alternative in its language picker; column labels and table
  descriptions come from :mod:`backend.http.admin_labels`.
"""

from __future__ import annotations

from typing import Any

from litestar import asgi
from litestar.handlers import ASGIRouteHandler
from litestar.types import Receive, Scope, Send
from piccolo_admin.endpoints import create_admin
from piccolo_admin.translations.data import ENGLISH, SIMPLIFIED_CHINESE
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.routing import Mount

from backend.http.admin_gate import ADMIN_PATH, AdminGate, GateBackend
from backend.http.admin_tables import admin_tables
from backend.i18n import ZH


def build_admin(*, production: bool = False) -> Any:
    """piccolo-admin's app with its session backend replaced by :class:`GateBackend`."""
    app = create_admin(
        admin_tables(),
        auto_include_related=False,
        site_name="gridgov 基础数据",
        # piccolo-admin ships its own UI translations: Chinese first, English in its picker
        default_language_code=SIMPLIFIED_CHINESE.language_code,
        translations=[SIMPLIFIED_CHINESE, ENGLISH],
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
