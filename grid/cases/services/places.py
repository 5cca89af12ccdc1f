"""Org units as the case services need them: by id, and the ancestor at a ladder level.

Ancestors are looked up by code prefix, and codes never change once created, so each process
remembers them for :data:`ANCESTOR_TTL_S` (the sweep asks for the same few units again and
again); a unit removed meanwhile is noticed when the entry expires.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from backend.db import get_engine
from backend.errors import DomainError, ErrorCode, not_found
from grid.codes import PREFIX_LENGTH
from grid.tables import Level, OrgUnit


@dataclass(frozen=True)
class Place:
    id: int
    prefix: str
    level: Level
    name: str


_COLUMNS = (OrgUnit.id, OrgUnit.prefix, OrgUnit.level, OrgUnit.name)


def _place(row: dict[str, object]) -> Place:
    return Place(int(row["id"]), str(row["prefix"]), Level(str(row["level"])), str(row["name"]))  # type: ignore[call-overload]


async def place_by_id(unit_id: int) -> Place:
    row = await OrgUnit.select(*_COLUMNS).where(OrgUnit.id == unit_id).first()
    if row is None:
        raise not_found("unit", unit_id)
    return _place(row)


ANCESTOR_TTL_S = 60.0
_ancestors: dict[tuple[int, str, Level], tuple[float, Place]] = {}


async def ancestor_at(prefix: str, level: Level) -> Place:
    """The unit at ``level`` above (or at) the unit with ``prefix``."""
    wanted = prefix[: PREFIX_LENGTH[level]]
    key = (id(get_engine()), wanted, level)
    hit = _ancestors.get(key)
    if hit is not None and time.monotonic() - hit[0] < ANCESTOR_TTL_S:
        return hit[1]
    place = await _ancestor(wanted, level)
    if len(_ancestors) > 10_000:
        _ancestors.clear()
    _ancestors[key] = (time.monotonic(), place)
    return place


async def _ancestor(wanted: str, level: Level) -> Place:
    row = (
        await OrgUnit.select(*_COLUMNS)
        .where((OrgUnit.prefix == wanted) & (OrgUnit.level == level))
        .first()
    )
    if row is None:
        raise DomainError(
            ErrorCode.CASE_LEVEL_INVALID, reason=f"no {level} unit at {wanted}", level=level
        )
    return _place(row)
