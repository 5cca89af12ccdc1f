"""The matters a resident may read: published (not drafts) and their house unit in scope.

Staff list matters by grant (``matters.list_matters``); a resident has no grants, so their
list comes from where they live — the same rule :func:`.access.access_matter` applies to one.
"""

from __future__ import annotations

from typing import Any

from community.phases import Phase
from community.services.access import resident_place, visible_to_resident
from community.tables import Matter
from grid.actors import Actor


async def resident_matters(
    actor: Actor, *, offset: int = 0, limit: int = 20
) -> tuple[list[dict[str, Any]], bool]:
    """Newest first; the flag says whether more follow."""
    if actor.kind != "resident":
        return [], False
    place = await resident_place(actor.id)
    if place is None:
        return [], False
    # A matter's unit is one of the unit prefixes above the resident's house unit.
    prefixes = [place.unit_prefix[:n] for n in range(1, len(place.unit_prefix) + 1)]
    rows = (
        await Matter.select()
        .where(Matter.unit_prefix.is_in(prefixes) & (Matter.phase != Phase.draft))
        .order_by(Matter.id, ascending=False)
        .output(load_json=True)
    )
    visible = [m for m in rows if visible_to_resident(m, place)]
    return visible[offset : offset + limit], len(visible) > offset + limit
