"""Who is signed in, as the page header shows them: name, roles at units, the menu they get.

Resolved once per request by :func:`backend.console.session.session_actor` and kept in the
request's state, so every page of that request — an error page too — has the same header.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.console.nav import NavLink, nav_for
from backend.console.texts import role_name
from grid.actors import Actor
from grid.tables import OrgUnit


@dataclass(frozen=True)
class Grant:
    role: str
    unit_name: str


@dataclass(frozen=True)
class Me:
    """Who is signed in, for the page header: name, roles at units, the menu they get."""

    id: int
    name: str
    grants: list[Grant]
    nav: list[NavLink]


async def me_of(actor: Actor, path: str = "") -> Me:
    ids = sorted({g.unit_id for g in actor.grants})
    rows = (
        await OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.is_in(ids)) if ids else []
    )
    names = {r["id"]: r["name"] for r in rows}
    return Me(
        actor.id,
        actor.name,
        [Grant(role_name(g.role), names.get(g.unit_id, str(g.unit_id))) for g in actor.grants],
        nav_for(actor, path),
    )
