"""Read models of the org tree: the tree an actor sees, subtree lists and children.

Everyone reads within their own subtrees. A tree also shows the path above them (the city,
district, street… of a grid worker's grid) as read-only breadcrumbs — names only, no child
counts — because a grid in a vacuum means nothing to the person looking at it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count

from backend.errors import invalid
from grid.actors import Actor
from grid.codes import ORDER
from grid.permissions import Action
from grid.services.org_units import COLUMNS, UnitView, access_unit, ancestor_prefixes, view_of
from grid.tables import Level, OrgUnit

MAX_TREE_DEPTH = 4
#: Values per ``IN (…)``: well under SQLite's and asyncpg's parameter limits.
CHUNK = 900

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class TreeNode:
    id: int
    code: str
    name: str
    level: Level
    #: False for a breadcrumb above the actor's units: shown, not readable further.
    in_scope: bool
    #: How many children the unit has (None on breadcrumbs).
    child_count: int | None
    children: list[TreeNode] = field(default_factory=list)


def _any_prefix(prefixes: Iterable[str]) -> Any:
    condition = None
    for p in prefixes:
        part = OrgUnit.prefix.like(p + "%")
        condition = part if condition is None else condition | part
    return condition


def _name_contains(term: str) -> WhereRaw:
    """Case-insensitive substring match on both engines, LIKE wildcards taken literally."""
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return WhereRaw('LOWER("org_unit"."name") LIKE {} ESCAPE \'\\\'', f"%{escaped}%")


async def _child_counts(ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for part in chunks(ids):
        rows = (
            await OrgUnit.select(OrgUnit.parent, Count(alias="n"))
            .where(OrgUnit.parent.is_in(list(part)))
            .group_by(OrgUnit.parent)
        )
        counts.update({r["parent"]: r["n"] for r in rows})
    return counts


async def unit_tree(actor: Actor, *, root_id: int | None = None, depth: int = 2) -> list[TreeNode]:
    """The units ``depth`` levels below the root(s), nested, under breadcrumbs to the top.

    Without ``root_id`` the roots are the units of the actor's grants.
    """
    if not 1 <= depth <= MAX_TREE_DEPTH:
        raise invalid("depth", f"1–{MAX_TREE_DEPTH}")
    if root_id is not None:
        roots = [await access_unit(actor, root_id)]
    else:
        prefixes = actor.scope_prefixes(Action.unit_read)
        roots = (
            list(await OrgUnit.select(*COLUMNS).where(OrgUnit.prefix.is_in(prefixes)))
            if prefixes
            else []
        )
    rows: dict[int, dict[str, Any]] = {r["id"]: r for r in roots}
    for root in roots:
        start = ORDER.index(Level(root["level"])) + 1
        levels = list(ORDER[start : start + depth])
        if levels:
            below = await OrgUnit.select(*COLUMNS).where(
                OrgUnit.prefix.like(root["prefix"] + "%") & OrgUnit.level.is_in(levels)
            )
            rows.update({r["id"]: r for r in below})
    above = sorted({p for r in roots for p in ancestor_prefixes(r["code"], Level(r["level"]))})
    crumbs = (
        list(await OrgUnit.select(*COLUMNS).where(OrgUnit.prefix.is_in(above))) if above else []
    )
    for r in crumbs:
        rows.setdefault(r["id"], r)

    in_scope = {i: actor.may(Action.unit_read, r["prefix"]) for i, r in rows.items()}
    counts = await _child_counts([i for i, ok in in_scope.items() if ok])
    nodes = {
        i: TreeNode(
            id=i,
            code=r["code"],
            name=r["name"],
            level=Level(r["level"]),
            in_scope=in_scope[i],
            child_count=counts.get(i, 0) if in_scope[i] else None,
        )
        for i, r in rows.items()
    }
    top: list[TreeNode] = []
    for i in sorted(nodes, key=lambda k: rows[k]["code"]):
        parent = rows[i]["parent"]
        (nodes[parent].children if parent in nodes else top).append(nodes[i])
    return top


async def list_units(
    actor: Actor,
    *,
    under: int | None = None,
    parent_id: int | None = None,
    level: Level | None = None,
    name: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[UnitView], int]:
    """Units in the actor's subtrees (or under one unit of them), by code, with filters.

    ``parent_id`` keeps a unit's direct children only (one level of the tree, paged).
    """
    if under is not None:
        prefixes = [(await access_unit(actor, under))["prefix"]]
    else:
        prefixes = actor.scope_prefixes(Action.unit_read)
    if not prefixes:
        return [], 0
    condition = _any_prefix(prefixes)
    if under is not None:
        condition = condition & (OrgUnit.id != under)
    if parent_id is not None:
        await access_unit(actor, parent_id)
        condition = condition & (OrgUnit.parent == parent_id)
    if level is not None:
        condition = condition & (OrgUnit.level == level)
    if name:
        condition = condition & _name_contains(name.strip())
    total = await OrgUnit.count().where(condition)
    rows = (
        await OrgUnit.select(*COLUMNS)
        .where(condition)
        .order_by(OrgUnit.code)
        .offset(offset)
        .limit(limit)
    )
    return [view_of(r) for r in rows], total
