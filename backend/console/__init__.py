"""The triage console: server-rendered pages for center staff under ``/console``.

A thin door like the JSON API: every page calls the same domain services and queries
(``grid.cases.services``), which check scope and roles. What is its own here: the session
cookie (:mod:`.session`), CSRF (:mod:`.csrf`), templates and a little CSS/JS (package data).
The pages stay out of the OpenAPI document.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.static_files import create_static_files_router

from backend.console import auth_pages, case_pages, dashboard_pages, error_pages, queue_pages
from backend.console.csrf import check_csrf
from backend.console.render import template_config
from backend.console.session import PREFIX

STATIC = Path(__file__).with_name("static")

__all__ = ["console_router", "console_static_router", "template_config"]


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
        exception_handlers=error_pages.EXCEPTION_HANDLERS,
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
