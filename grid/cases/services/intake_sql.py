"""The report's three rows in ONE statement on PostgreSQL: the case, its first history row and
the notification to the responsible unit, as data-modifying CTEs.

A single statement is atomic by itself, so the intake needs no ``BEGIN``/``COMMIT`` round
trips — on the hot path of every channel that is half of its database time. SQLite has no
data-modifying CTEs; it takes the ordinary transaction in :mod:`.intake` (both are tested).
"""

from __future__ import annotations

import json
from typing import Any

from backend.db import fetch_direct

NUMBER = (
    "to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || "
    "CASE WHEN c.id >= 1000000 THEN c.id::text ELSE lpad(c.id::text, 6, '0') END"
)
JSON_COLUMNS = frozenset({"photo_ids", "result_photo_ids", "data"})


_SQL: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}


def _marks(names: tuple[str, ...], first: int) -> str:
    return ", ".join(
        f"${first + i}::json" if name in JSON_COLUMNS else f"${first + i}"
        for i, name in enumerate(names)
    )


def statement(case_columns: tuple[str, ...], event_columns: tuple[str, ...]) -> str:
    """The statement for these columns (built once; asyncpg then reuses its prepared form)."""
    key = (case_columns, event_columns)
    if key not in _SQL:
        n_case, n_event = len(case_columns), len(event_columns)
        o = n_case + n_event + 1  # first outbox parameter
        case_names = ", ".join(f'"{c}"' for c in case_columns)
        event_names = ", ".join(f'"{c}"' for c in event_columns)
        # Column names are the service's own constants, never input; values are parameters.
        _SQL[key] = (
            f"WITH c AS (INSERT INTO case_record ({case_names}) "  # noqa: S608
            f"VALUES ({_marks(case_columns, 1)}) RETURNING *), "
            f'e AS (INSERT INTO case_event ("case", {event_names}) '
            f"SELECT c.id, {_marks(event_columns, n_case + 1)} FROM c), "
            "o AS (INSERT INTO outbox (kind, recipient_kind, recipient_id, payload, created_at, "
            f"attempts, last_error) SELECT ${o}, ${o + 1}, ${o + 2}, "
            f"(${o + 3}::jsonb || jsonb_build_object('number', {NUMBER}, 'case_id', c.id))::json, "
            f"${o + 4}, 0, '' FROM c) "
            "SELECT * FROM c"
        )
    return _SQL[key]


def _values(values: dict[str, Any]) -> list[Any]:
    return [json.dumps(v) if k in JSON_COLUMNS else v for k, v in values.items()]


async def insert_report(
    case: dict[str, Any], event: dict[str, Any], note: dict[str, Any]
) -> dict[str, Any]:
    """Insert the case, its ``report`` event and its ``case.new`` outbox row; the case row."""
    sql = statement(tuple(case), tuple(event))
    args = [
        *_values(case),
        *_values(event),
        note["kind"],
        note["recipient_kind"],
        note["recipient_id"],
        json.dumps(note["payload"]),
        note["created_at"],
    ]
    # straight to asyncpg: Piccolo's query building costs more than the statement for ~60
    # parameters on this hot path
    rows = await fetch_direct(sql, args)
    return dict(rows[0])
