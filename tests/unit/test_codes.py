"""Org-unit codes extend their parent's; a code says where a unit sits."""

from __future__ import annotations

import pytest

from backend.errors import DomainError
from grid.codes import validate_code
from grid.tables import Level


@pytest.mark.parametrize(
    ("code", "level", "parent", "prefix"),
    [
        ("500100000000", Level.city, None, "5001"),
        ("500103000000", Level.district, "500100000000", "500103"),
        ("500103001000", Level.street, "500103000000", "500103001"),
        ("500103001002", Level.community, "500103001000", "500103001002"),
        ("500103001002007", Level.grid, "500103001002", "500103001002007"),
        ("500103001002007012", Level.micro_grid, "500103001002007", "500103001002007012"),
    ],
)
def test_valid_codes_give_their_significant_prefix(code, level, parent, prefix):
    assert validate_code(code, level, parent) == prefix


@pytest.mark.parametrize(
    ("code", "level", "parent", "reason"),
    [
        ("50010300100", Level.street, "500103000000", "12 digits"),
        ("5001030010a0", Level.street, "500103000000", "only digits"),
        ("500104001000", Level.street, "500103000000", "extend the parent"),
        ("500103000000", Level.street, "500103000000", "must not be all 0"),
        ("500103001001", Level.street, "500103000000", "must be 0"),
        ("500103001002000", Level.grid, "500103001002", "must not be all 0"),
    ],
)
def test_invalid_codes_are_refused_with_the_reason(code, level, parent, reason):
    with pytest.raises(DomainError) as err:
        validate_code(code, level, parent)
    assert reason in err.value.data["reason"]
