"""The report's three rows in ONE statement on PostgreSQL: the case, its first history row and
the notification to the responsible unit, as data-modifying CTEs.

A single statement is atomic by itself, so the intake needs no ``BEGIN``/``COMMIT`` round
trips — on the hot path of every channel that is half of its database time. SQLite has no
data-modifying CTEs; it takes the ordinary transaction in :mod:`.intake` (both are tested).
"""

from __future__ import annotations

import json
from typing import Any

from grid.cases.tables import Case

NUMBER = (
    "to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || "
    "CASE WHEN c.id >= 1000000 THEN c.id::text ELSE lpad(c.id::text, 6, '0') END"
)
JSON_COLUMNS = frozenset({"photo_ids", "result_photo_ids", "data"})


def _columns(values: dict[str, Any]) -> tuple[str, str, list[Any]]:
    names = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("{}::json" if name in JSON_COLUMNS else "{}" for name in values)
    args = [json.dumps(v) if k in JSON_COLUMNS else v for k, v in values.items()]
    return names, marks, args


async def insert_report(
    case: dict[str, Any], event: dict[str, Any], note: dict[str, Any]
) -> dict[str, Any]:
    """Insert the case, its ``report`` event and its ``case.new`` outbox row; the case row."""
    case_names, case_marks, case_args = _columns(case)
    event_names, event_marks, event_args = _columns(event)
    payload = json.dumps(note["payload"])
    # Column names come from the service's own dicts, never from input: values are parameters.
    sql = (
        f"WITH c AS (INSERT INTO case_record ({case_names}) VALUES ({case_marks}) RETURNING *), "  # noqa: S608
        f'e AS (INSERT INTO case_event ("case", {event_names}) SELECT c.id, {event_marks} FROM c), '
        "o AS (INSERT INTO outbox (kind, recipient_kind, recipient_id, payload, created_at, "
        "attempts, last_error) SELECT {}, {}, {}, "
        f"({{}}::jsonb || jsonb_build_object('number', {NUMBER}, 'case_id', c.id))::json, "
        "{}, 0, '' FROM c) "
        "SELECT * FROM c"
    )
    args = [
        *case_args,
        *event_args,
        note["kind"],
        note["recipient_kind"],
        note["recipient_id"],
        payload,
        note["created_at"],
    ]
    rows = await Case.raw(sql, *args)
    return dict(rows[0])
