"""Who is acting: the first argument of every service function.

An actor's grants are (role, unit subtree) pairs. "May this actor do X to an object in unit U"
is answered by :meth:`Actor.may`, from the permission table in :mod:`grid.permissions` — one
place, shared by HTTP, the mini-program and the bots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from grid.permissions import Action, roles_for
from grid.tables import Level, Role

ActorKind = Literal["staff", "resident", "system"]


@dataclass(frozen=True)
class Grant:
    role: Role
    unit_id: int
    unit_prefix: str
    unit_level: Level
    department_id: int | None = None

    def covers(self, prefix: str) -> bool:
        """The grant's unit is the object's unit or one of its ancestors."""
        return prefix.startswith(self.unit_prefix)


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int
    name: str
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants)

    def grants_for(self, action: Action) -> tuple[Grant, ...]:
        allowed = roles_for(action)
        return tuple(g for g in self.grants if g.role in allowed)

    def may(self, action: Action, prefix: str) -> bool:
        return any(g.covers(prefix) for g in self.grants_for(action))

    def scope_prefixes(self, action: Action) -> list[str]:
        """The unit prefixes under which ``action`` is allowed, without redundant nested ones."""
        prefixes = sorted({g.unit_prefix for g in self.grants_for(action)}, key=len)
        kept: list[str] = []
        for p in prefixes:
            if not any(p.startswith(k) for k in kept):
                kept.append(p)
        return kept


SYSTEM = Actor(kind="system", id=0, name="system")


def authorize(
    actor: Actor, action: Action, prefix: str, *, read: Action, kind: str, ident: object
) -> None:
    """Refuse ``action`` on an object in unit ``prefix``.

    Outside the actor's read scope the object "does not exist" (404, so scope never leaks
    through error codes); inside it, a role that may not do ``action`` gets 403 with a reason.
    """
    from backend.errors import forbidden, not_found

    if not actor.may(read, prefix):
        raise not_found(kind, ident)
    if action is not read and not actor.may(action, prefix):
        raise forbidden(str(action))
