"""Open and overdue cases per grid of a unit's subtree, now: what the dashboard's map colours.

The figures use the triage queues' words (docs/cases.md): a case is **open** while its clock
runs (state reported, filed, dispatched or in progress) and **overdue** when it is open and
its deadline has passed. A case counts in the grid where it happened (``home_prefix``, as the
KPIs count it), wherever it is handled now; a case whose place is above any grid (reported at
a community without a point inside a grid) is counted apart, so the grids' sum plus that
remainder is the subtree's total.

Reading takes ``kpi.read`` on the unit, like the other dashboard figures: 404 outside the
actor's scope, 403 for roles without the right. One grouped scan of the subtree's open cases,
the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend import clock
from grid.actors import Actor
from grid.cases.kpi_queries import snapshot, subtree_range
from grid.cases.states import RUNNING
from grid.cases.tables import Case
from grid.codes import PREFIX_LENGTH
from grid.permissions import Action
from grid.services.org_units import access_unit
from grid.tables import Level, OrgUnit

GRID_PREFIX = PREFIX_LENGTH[Level.grid]

_LOAD = """
SELECT SUBSTR(c.home_prefix, 1, $GRID_PREFIX) AS k,
       COUNT(*) AS open,
       SUM(CASE WHEN c.deadline_at < {} THEN 1 ELSE 0 END) AS overdue
FROM case_record c
WHERE c.home_prefix >= {} AND c.home_prefix < {} AND c.state IN $OPEN_STATES
GROUP BY 1
""".replace("$GRID_PREFIX", str(GRID_PREFIX)).replace(
    # constants of this module, never input
    "$OPEN_STATES",
    "(" + ", ".join(repr(s.value) for s in sorted(RUNNING)) + ")",
)


@dataclass(frozen=True)
class GridLoad:
    unit_id: int
    code: str
    name: str
    boundary: dict[str, Any] | None  # GeoJSON Polygon/MultiPolygon (WGS-84), None if unknown
    open: int
    overdue: int


@dataclass(frozen=True)
class GridMap:
    unit_id: int
    code: str
    name: str
    at: datetime  # "now" of the figures
    grids: list[GridLoad]  # every grid of the subtree, code order, zeros included
    elsewhere_open: int  # open cases of the subtree not placed in any grid
    elsewhere_overdue: int

    @property
    def open(self) -> int:
        return sum(g.open for g in self.grids) + self.elsewhere_open

    @property
    def overdue(self) -> int:
        return sum(g.overdue for g in self.grids) + self.elsewhere_overdue


def _geometry(value: Any) -> dict[str, Any] | None:
    """A stored boundary (JSON text on SQLite, a dict on PostgreSQL) as a dict."""
    if value in (None, ""):
        return None
    geometry = json.loads(value) if isinstance(value, str) else value
    return geometry if isinstance(geometry, dict) else None


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


async def grid_load(actor: Actor, unit_id: int) -> GridMap:
    """Every grid of ``unit_id``'s subtree with its open and overdue cases now."""
    unit = await access_unit(actor, unit_id, Action.kpi_read, OrgUnit.code, OrgUnit.name)
    low, high = subtree_range(unit["prefix"])
    now = clock.now()
    async with snapshot():
        grids = (
            await OrgUnit.select(
                OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.prefix, OrgUnit.boundary
            )
            .where(
                (OrgUnit.level == Level.grid) & (OrgUnit.prefix >= low) & (OrgUnit.prefix < high)
            )
            .order_by(OrgUnit.code)
        )
        rows = await Case.raw(_LOAD, now, low, high)
    counts = {r["k"]: (_int(r["open"]), _int(r["overdue"])) for r in rows}
    loads = [
        GridLoad(
            g["id"],
            g["code"],
            g["name"],
            _geometry(g["boundary"]),
            *counts.pop(g["prefix"], (0, 0)),
        )
        for g in grids
    ]
    # what is left was placed above the grids (a shorter home prefix)
    return GridMap(
        unit_id=unit_id,
        code=unit["code"],
        name=unit["name"],
        at=now,
        grids=loads,
        elsewhere_open=sum(o for o, _ in counts.values()),
        elsewhere_overdue=sum(d for _, d in counts.values()),
    )
