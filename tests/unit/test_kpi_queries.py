"""The pure pieces of the KPI SQL: subtree ranges and the fixed literals."""

from __future__ import annotations

import random

import pytest

from grid.cases import kpi_queries


@pytest.mark.parametrize(
    ("prefix", "high"),
    [
        ("500103", "500104"),
        ("5009", "501"),
        ("500199", "5002"),
        ("999", "A"),
        ("5001030010", "5001030011"),
    ],
)
def test_subtree_range_ends_after_the_last_string_with_the_prefix(prefix: str, high: str):
    assert kpi_queries.subtree_range(prefix) == (prefix, high)


def test_subtree_range_holds_exactly_the_codes_starting_with_the_prefix():
    rng = random.Random(7)
    codes = ["".join(rng.choice("0919") for _ in range(rng.randrange(4, 16))) for _ in range(3000)]
    for prefix in {c[: rng.randrange(1, 6)] for c in codes[:300]}:
        low, high = kpi_queries.subtree_range(prefix)
        assert {c for c in codes if low <= c < high} == {c for c in codes if c.startswith(prefix)}


def test_the_sql_names_the_deferral_action_and_grid_levels_of_the_module():
    assert f"e.action = '{kpi_queries.DEFER_ACTION}'" in kpi_queries._TOKENS["$DEFERRED"]
    levels = kpi_queries._TOKENS["$GRID_LEVELS"]
    assert all(f"'{level}'" in levels for level in kpi_queries.GRID_LEVELS)
