"""The SQL behind the KPIs (docs/kpis.md): every count is an aggregate on the database.

One statement per figure family, the same text on SQLite and PostgreSQL except two small
dialect pieces (seconds between two timestamps, the local calendar day of a timestamp).

A subtree is ``home_prefix LIKE 'prefix%'``, written as a range (:func:`subtree_range`): a
case counts where it happened, wherever it is being handled, so a community keeps the cases
that climbed to the street center.

Grouping by ``SUBSTR(prefix, 1, n)`` gives the same figures for every child unit in one scan
(the ranking); ``n = 0`` groups everything under the key ``''`` (the unit itself).

Placeholders are Piccolo's ``{}``; dialect pieces are put in with ``str.replace`` on ``$NAME``
tokens, never with formatting of values.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from backend.db import is_sqlite
from grid.cases.tables import Case
from grid.tables import Level, Role

#: History action of a formal deferral (缓办). The state machine has no such move yet; a
#: service that defers a case writes a ``case_event`` with this action, and from then on the
#: case is no longer due (应结案) in any period.
DEFER_ACTION = "defer"
#: Levels at which a case is still "in the grid" (网格自办结: never above the community).
GRID_LEVELS = (Level.micro_grid, Level.grid, Level.community)

#: Fixed SQL pieces, put in by :func:`_dialect` (constants of this module, never input).
_TOKENS = {
    # One scan of the (few) deferral rows, joined once: not a subquery per case.
    "$DEFERRED": """(SELECT DISTINCT e."case" AS id FROM case_event e WHERE e.action = 'defer')""",
    "$GRID_LEVELS": "(" + ", ".join(repr(level.value) for level in GRID_LEVELS) + ")",
    "$GRID_WORKER": repr(Role.grid_worker.value),
}

_COHORT = """
SELECT k,
       COUNT(*) AS filed,
       SUM(voided) AS voided,
       SUM(deferred) AS deferred,
       SUM(due) AS due,
       SUM(closed) AS closed,
       SUM(CASE WHEN closed = 1 AND closed_at <= deadline_at THEN 1 ELSE 0 END) AS on_time,
       SUM(CASE WHEN closed = 1 AND top_level IN $GRID_LEVELS THEN 1 ELSE 0 END)
           AS in_grid,
       SUM(CASE WHEN closed = 1 THEN CAST(ROUND($SECONDS) AS BIGINT) ELSE 0 END) AS handling_s,
       SUM(CASE WHEN due = 1 AND rating IS NOT NULL THEN 1 ELSE 0 END) AS rated,
       SUM(CASE WHEN due = 1 AND rating >= 4 THEN 1 ELSE 0 END) AS satisfied,
       SUM(CASE WHEN closed = 1 AND rework_count > 0 THEN 1 ELSE 0 END) AS reworked
FROM (
    SELECT f.*,
           CASE WHEN voided = 0 AND deferred = 0 THEN 1 ELSE 0 END AS due,
           CASE WHEN voided = 0 AND deferred = 0 AND closed_at IS NOT NULL THEN 1 ELSE 0 END
               AS closed
    FROM (
        SELECT SUBSTR(c.home_prefix, 1, $KEYLEN) AS k,
               CASE WHEN c.state = 'merged' THEN 1 ELSE 0 END AS voided,
               CASE WHEN c.state <> 'merged' AND d.id IS NOT NULL THEN 1 ELSE 0 END AS deferred,
               c.filed_at, c.closed_at, c.deadline_at, c.top_level, c.rating, c.rework_count
        FROM case_record c LEFT JOIN $DEFERRED d ON d.id = c.id
        WHERE c.home_prefix >= {} AND c.home_prefix < {} AND c.filed_at >= {} AND c.filed_at < {}
    ) f
) x
GROUP BY k
"""

_WORKERS = """
SELECT k,
       COUNT(*) AS workers,
       SUM(CASE WHEN EXISTS (
               SELECT 1 FROM case_event e
               WHERE e.actor_kind = 'staff' AND e.actor_id = CAST(w.staff AS TEXT)
                 AND e.at >= {} AND e.at < {}
           ) THEN 1 ELSE 0 END) AS active
FROM (
    SELECT DISTINCT ra.staff, SUBSTR(u.prefix, 1, $KEYLEN) AS k
    FROM role_assignment ra
    JOIN org_unit u ON u.id = ra.unit
    JOIN staff_account s ON s.id = ra.staff
    WHERE ra.role = $GRID_WORKER AND s.active = {} AND u.prefix >= {} AND u.prefix < {}
) w
GROUP BY k
"""

_DAILY = """
SELECT 'reported' AS metric, $DAY(c.created_at) AS day, COUNT(*) AS n FROM case_record c
WHERE c.home_prefix >= {} AND c.home_prefix < {} AND c.created_at >= {} AND c.created_at < {} GROUP BY 2
UNION ALL
SELECT 'filed', $DAY(c.filed_at), COUNT(*) FROM case_record c
WHERE c.home_prefix >= {} AND c.home_prefix < {} AND c.filed_at >= {} AND c.filed_at < {} GROUP BY 2
UNION ALL
SELECT 'closed', $DAY(c.closed_at), COUNT(*) FROM case_record c
WHERE c.home_prefix >= {} AND c.home_prefix < {} AND c.closed_at >= {} AND c.closed_at < {} GROUP BY 2
UNION ALL
SELECT 'overdue', $DAY(c.deadline_at), COUNT(*)
FROM case_record c LEFT JOIN $DEFERRED d ON d.id = c.id
WHERE c.home_prefix >= {} AND c.home_prefix < {} AND c.deadline_at >= {} AND c.deadline_at < {}
  AND c.filed_at IS NOT NULL AND (c.closed_at IS NULL OR c.closed_at > c.deadline_at)
  AND c.state NOT IN ('rejected', 'merged') AND d.id IS NULL
GROUP BY 2
"""


def _dialect(sql: str, key_len: int = 0) -> str:
    """Put the engine's own spelling of the two non-portable pieces into ``sql``.

    Asia/Shanghai has had no daylight saving since 1991, so its day is UTC + 8 hours on both.
    """
    if is_sqlite():
        seconds = "((julianday(closed_at) - julianday(filed_at)) * 86400.0)"
        day = "date($COL, '+8 hours')"
    else:
        seconds = "EXTRACT(EPOCH FROM (closed_at - filed_at))"
        day = "CAST(($COL AT TIME ZONE 'Asia/Shanghai') AS DATE)"
    for token, piece in _TOKENS.items():
        sql = sql.replace(token, piece)
    for token, piece in _TOKENS.items():
        sql = sql.replace(token, piece)
    sql = sql.replace("$SECONDS", seconds).replace("$KEYLEN", str(key_len))
    while "$DAY(" in sql:
        start = sql.index("$DAY(")
        end = sql.index(")", start)
        sql = sql[:start] + day.replace("$COL", sql[start + 5 : end]) + sql[end + 1 :]
    return sql


@asynccontextmanager
async def snapshot() -> AsyncIterator[None]:
    """Run the queries of one answer in one read-only snapshot (PostgreSQL), so the figures of
    a report agree with each other, and without JIT compilation: on these short aggregates
    LLVM's compile time is most of the query time (measured in bench/RESULTS.md)."""
    engine = Case._meta.db
    if is_sqlite(engine) or engine.current_transaction.get() is not None:
        yield
        return
    async with engine.transaction():
        await engine.run_ddl("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        await engine.run_ddl("SET LOCAL jit = off")
        yield


@dataclass(frozen=True)
class CaseCounts:
    """Counts over the cases filed in the period (the cohort); see docs/kpis.md."""

    filed: int = 0
    voided: int = 0
    deferred: int = 0
    due: int = 0
    closed: int = 0
    on_time: int = 0
    in_grid: int = 0
    handling_s: int = 0
    rated: int = 0
    satisfied: int = 0
    reworked: int = 0


@dataclass(frozen=True)
class WorkerCounts:
    workers: int = 0
    active: int = 0


def subtree_range(prefix: str) -> tuple[str, str]:
    """``[low, high)`` holding exactly the digit strings that start with ``prefix``.

    The same set as ``LIKE 'prefix%'``, spelled so a plain B-tree index serves it on both
    engines: SQLite's LIKE is case-insensitive and PostgreSQL's needs the "C" collation (this
    server's is C.UTF-8, which does not count) to use an index; digit strings sort the same
    in every collation. ``high`` is the prefix plus one in its last place ("5009" → "501").
    """
    digits = prefix.rstrip("9")
    if not digits:
        return prefix, "A"  # all nines: every longer digit string sorts below a letter
    return prefix, digits[:-1] + str(int(digits[-1]) + 1)


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


async def case_counts(
    prefix: str, since: datetime, until: datetime, *, key_len: int = 0
) -> dict[str, CaseCounts]:
    """Cohort counts per key (``''`` alone when ``key_len`` is 0); keys without cases absent."""
    rows = await Case.raw(_dialect(_COHORT, key_len), *subtree_range(prefix), since, until)
    fields = CaseCounts.__dataclass_fields__
    return {r["k"]: CaseCounts(**{f: _int(r[f]) for f in fields}) for r in rows}


async def worker_counts(
    prefix: str, since: datetime, until: datetime, *, key_len: int = 0
) -> dict[str, WorkerCounts]:
    rows = await Case.raw(_dialect(_WORKERS, key_len), since, until, True, *subtree_range(prefix))
    return {r["k"]: WorkerCounts(_int(r["workers"]), _int(r["active"])) for r in rows}


async def daily_counts(
    prefix: str, since: datetime, until: datetime, overdue_until: datetime
) -> dict[tuple[str, date], int]:
    """``{(metric, local day): n}`` for reported, filed, closed and overdue cases.

    Overdue: the deadline fell on that day, before ``overdue_until`` (now), and the case was
    not closed by it (closed late or still open); rejected, merged and deferred cases excluded.
    """
    low, high = subtree_range(prefix)
    overdue_end = max(since, min(until, overdue_until))
    args = [low, high, since, until] * 3 + [low, high, since, overdue_end]
    rows = await Case.raw(_dialect(_DAILY), *args)
    out: dict[tuple[str, date], int] = {}
    for r in rows:
        day = r["day"] if isinstance(r["day"], date) else date.fromisoformat(r["day"])
        out[(r["metric"], day)] = _int(r["n"])
    return out
