"""Page parameters are checked once, for every list endpoint."""

from __future__ import annotations

import pytest

from backend.errors import DomainError
from backend.http.pagination import MAX_PAGE, MAX_PAGE_SIZE, check_page


def test_a_page_becomes_an_offset_and_a_limit() -> None:
    assert check_page(1, 50) == (0, 50)
    assert check_page(3, 20) == (40, 20)
    assert check_page(MAX_PAGE, MAX_PAGE_SIZE) == ((MAX_PAGE - 1) * MAX_PAGE_SIZE, MAX_PAGE_SIZE)


@pytest.mark.parametrize(
    ("page", "page_size", "field"),
    [
        (0, 50, "page"),
        (MAX_PAGE + 1, 50, "page"),
        (960049248319291520, 50, "page"),  # found by fuzzing: the offset overflowed SQLite
        (1, 0, "page_size"),
        (1, MAX_PAGE_SIZE + 1, "page_size"),
    ],
)
def test_a_page_outside_its_range_is_refused_naming_the_field(
    page: int, page_size: int, field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        check_page(page, page_size)
    assert refused.value.data["field"] == field
