"""Page/size query parameters and the page envelope every list endpoint returns."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from backend.errors import invalid

T = TypeVar("T")
MAX_PAGE_SIZE = 200
#: Far past any real list; keeps the offset a number every engine holds (found by fuzzing:
#: page 960049248319291520 overflowed SQLite's 64-bit integers and answered 500).
MAX_PAGE = 1_000_000


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


def check_page(page: int, page_size: int) -> tuple[int, int]:
    """Validated (offset, limit)."""
    if not 1 <= page <= MAX_PAGE:
        raise invalid("page", f"1–{MAX_PAGE}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise invalid("page_size", f"1–{MAX_PAGE_SIZE}")
    return (page - 1) * page_size, page_size
