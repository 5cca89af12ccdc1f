"""Org units as the case services need them: by id, and the ancestor at a ladder level."""

from __future__ import annotations

from dataclasses import dataclass

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


async def ancestor_at(prefix: str, level: Level) -> Place:
    """The unit at ``level`` above (or at) the unit with ``prefix``."""
    wanted = prefix[: PREFIX_LENGTH[level]]
    row = (
        await OrgUnit.select(*_COLUMNS)
        .where((OrgUnit.prefix == wanted) & (OrgUnit.level == level))
        .first()
    )
    if row is None:
        raise DomainError(
            ErrorCode.CASE_LEVEL_INVALID, reason=f"no {level} unit above {prefix}", level=level
        )
    return _place(row)
