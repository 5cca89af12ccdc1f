"""Org-unit codes: where a unit sits is readable from its code.

District, street and community use the 12-digit statistical division code (GB/T 2260 plus
township and village digits); a grid appends 3 digits to its community's code and a
micro-grid 3 more. The *prefix* is the part of a code that is significant at its level, so a
unit's descendants are exactly the units whose prefix starts with its prefix.

| level      | code length | significant prefix |
|------------|-------------|--------------------|
| city       | 12          | 4                  |
| district   | 12          | 6                  |
| street     | 12          | 9                  |
| community  | 12          | 12                 |
| grid       | 15          | 15                 |
| micro_grid | 18          | 18                 |
"""

from __future__ import annotations

from backend.errors import DomainError, ErrorCode
from grid.tables import Level

ORDER: tuple[Level, ...] = (
    Level.city,
    Level.district,
    Level.street,
    Level.community,
    Level.grid,
    Level.micro_grid,
)
PREFIX_LENGTH: dict[Level, int] = {
    Level.city: 4,
    Level.district: 6,
    Level.street: 9,
    Level.community: 12,
    Level.grid: 15,
    Level.micro_grid: 18,
}
CODE_LENGTH: dict[Level, int] = {
    Level.city: 12,
    Level.district: 12,
    Level.street: 12,
    Level.community: 12,
    Level.grid: 15,
    Level.micro_grid: 18,
}


def child_level(level: Level) -> Level | None:
    i = ORDER.index(level)
    return ORDER[i + 1] if i + 1 < len(ORDER) else None


def parent_level(level: Level) -> Level | None:
    i = ORDER.index(level)
    return ORDER[i - 1] if i > 0 else None


def prefix_of(code: str, level: Level) -> str:
    return code[: PREFIX_LENGTH[level]]


def validate_code(code: str, level: Level, parent_code: str | None = None) -> str:
    """The unit's prefix, or a ``unit_code_invalid`` error saying exactly what is wrong."""
    if not code.isascii() or not code.isdigit():
        raise DomainError(ErrorCode.UNIT_CODE_INVALID, code=code, reason="only digits")
    if len(code) != CODE_LENGTH[level]:
        raise DomainError(
            ErrorCode.UNIT_CODE_INVALID,
            code=code,
            reason=f"a {level} code has {CODE_LENGTH[level]} digits, got {len(code)}",
        )
    prefix = prefix_of(code, level)
    if code[len(prefix) :].strip("0"):
        raise DomainError(
            ErrorCode.UNIT_CODE_INVALID,
            code=code,
            reason=f"digits after position {len(prefix)} must be 0 at {level} level",
        )
    parent = parent_level(level)
    if parent is not None:
        own = prefix[PREFIX_LENGTH[parent] :]
        if not own.strip("0"):
            raise DomainError(
                ErrorCode.UNIT_CODE_INVALID,
                code=code,
                reason=f"the {level} digits must not be all 0",
            )
    if parent_code is not None:
        if parent is None:
            raise DomainError(ErrorCode.UNIT_PARENT_INVALID, reason="a city has no parent")
        parent_prefix = prefix_of(parent_code, parent)
        if not prefix.startswith(parent_prefix):
            raise DomainError(
                ErrorCode.UNIT_CODE_INVALID,
                code=code,
                reason=f"must extend the parent's code {parent_prefix}",
            )
    return prefix
