"""Handled cases waiting for an independent check, for those who may verify them.

The same rule as :func:`.access.parties_for` for ``verify``: a verifying role whose grant
covers the responsible unit or the place, and never the one who handled the case.
"""

from __future__ import annotations

from typing import Any

from grid.actors import Actor
from grid.cases.services.queries import CaseView, case_view
from grid.cases.states import ROLE_MAP, CaseAction, CaseState, Party
from grid.cases.tables import Case


def _verifier_prefixes(actor: Actor) -> list[str]:
    allowed = ROLE_MAP[CaseAction.verify]
    prefixes = sorted({g.unit_prefix for g in actor.grants if Party(g.role) in allowed}, key=len)
    kept: list[str] = []
    for p in prefixes:
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


async def cases_to_verify(
    actor: Actor, *, offset: int = 0, limit: int = 20
) -> tuple[list[CaseView], int]:
    """Oldest handled first; empty for someone who may verify nothing."""
    prefixes = _verifier_prefixes(actor)
    if actor.kind != "staff" or not prefixes:
        return [], 0
    scope: Any = None
    for p in prefixes:
        here = Case.unit_prefix.like(p + "%") | Case.home_prefix.like(p + "%")
        scope = here if scope is None else scope | here
    where = (
        (Case.state == CaseState.handled)
        & scope
        & (Case.handled_by.is_null() | (Case.handled_by != actor.id))
    )
    rows = await Case.select().where(where).order_by(Case.handled_at).offset(offset).limit(limit)
    total = await Case.count().where(where)
    return [await case_view(r) for r in rows], total
