"""Ids for new residents that never repeat a deleted resident's id.

An id is how the access log, case reports, ballots and erasure records name a person, so a
new resident taking an erased one's id would inherit their history. PostgreSQL sequences never
go back. SQLite (a rowid table without AUTOINCREMENT) hands out ``max(id) + 1``, which is the
deleted id again when the newest resident was deleted; its migration adds a trigger that keeps
the highest deleted id in :class:`RetiredId` and another that refuses an insert at or below it.
Inserts therefore ask here first: on SQLite, when the newest ids were retired, they get
explicit ids above the mark.
"""

from __future__ import annotations

from backend.db import is_sqlite
from grid.tables import Resident, RetiredId


async def fresh_resident_ids(count: int) -> list[int] | None:
    """``count`` ids to give new residents explicitly, or None when the database's own choice
    is already above every retired id. Call inside the write transaction that inserts."""
    if count <= 0 or not is_sqlite():
        return None
    mark = await RetiredId.select(RetiredId.last_id).where(RetiredId.table_name == "resident")
    if not mark:
        return None
    top = await Resident.select(Resident.id).order_by(Resident.id, ascending=False).first()
    floor = max(int(mark[0]["last_id"]), int(top["id"]) if top else 0)
    if top is not None and int(top["id"]) > int(mark[0]["last_id"]):
        return None
    return list(range(floor + 1, floor + 1 + count))
