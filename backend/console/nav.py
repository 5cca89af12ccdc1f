"""The console's navigation: one list of entries, each shown only to whom it serves.

A new page adds its entry here (label key in :mod:`backend.console.texts`, its URL, the path
prefix that marks it current, and who sees it). Visibility is a convenience for the menu;
the page itself still goes through the domain's scope and role checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grid.actors import Actor
from grid.permissions import Action
from grid.tables import Role


@dataclass(frozen=True)
class NavItem:
    label: str  # key in backend.console.texts.UI
    href: str
    prefixes: tuple[str, ...]  # paths under which this entry is the current page
    visible: Callable[[Actor], bool]


def _has_queue(actor: Actor) -> bool:
    from backend.console.queue_pages import queues_for

    return bool(queues_for(actor))


def _reads_kpis(actor: Actor) -> bool:
    return bool(actor.grants_for(Action.kpi_read))


def _is_admin(actor: Actor) -> bool:
    """Any admin grant: the admin site itself lets in only admins at the root of the tree."""
    return any(g.role is Role.admin for g in actor.grants)


NAV: list[NavItem] = [
    NavItem("queue", "/console/queue", ("/console/queue", "/console/cases"), _has_queue),
    NavItem("dashboard", "/console/dashboard", ("/console/dashboard",), _reads_kpis),
    NavItem("admin", "/console/admin/", ("/console/admin",), _is_admin),
]


@dataclass(frozen=True)
class NavLink:
    label: str
    href: str
    current: bool


def nav_for(actor: Actor, path: str) -> list[NavLink]:
    return [
        NavLink(item.label, item.href, path.startswith(item.prefixes))
        for item in NAV
        if item.visible(actor)
    ]


def reads_cases(actor: Actor) -> bool:
    """For entries about cases in the actor's scope (what the ``open`` queue shows)."""
    return bool(actor.scope_prefixes(Action.case_read))
