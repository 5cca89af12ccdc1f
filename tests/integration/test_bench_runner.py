"""The benchmark runner, end to end in its quick mode: every bench runs at both sizes and the
results file it writes has a complete summary table (a figure, a baseline, a ratio at each size
and a growth factor per bench). The benches need PostgreSQL whatever ``GRIDGOV_TEST_DB`` says,
so this runs in the PostgreSQL pass only (once per suite, ~1–2 min on a quiet machine)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.run_all import BENCHES
from tests.bench_support import postgres_or_skip, run_bench
from tests.conftest import TEST_DB

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgres", reason="the benches run on PostgreSQL; once, in the PostgreSQL pass"
)


def _summary(text: str) -> list[list[str]]:
    """The summary table's rows (cells stripped), header and rule excluded."""
    lines = text.split("\n| bench |", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]


def test_quick_run_of_every_bench_writes_a_complete_results_table(tmp_path: Path) -> None:
    postgres_or_skip()
    out = tmp_path / "RESULTS.md"
    done = run_bench("-m", "bench.run_all", "--quick", "--out", str(out))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    text = out.read_text(encoding="utf-8")
    for field in ("**Command:**", "**Date:**", "**Machine:**", "PostgreSQL", "**Load average**"):
        assert field in text
    rows = _summary(text)
    assert [row[0].split(":")[0] for row in rows] == [b.title for b in BENCHES]
    number = re.compile(r"^[0-9][0-9,.]* \S+")
    for row in rows:
        assert len(row) == 11, row
        _, _, small, fig1, base1, ratio1, big, fig10, base10, ratio10, growth = row
        assert int(big.replace(",", "")) >= 9 * int(small.replace(",", "")), row
        for value in (fig1, base1, fig10, base10):
            assert number.match(value), row
        assert float(ratio1) > 0 and float(ratio10) > 0, row
        assert re.match(r"^[0-9.]+× \(", growth), row
    for bench in BENCHES:
        section = text.split(f"\n## {bench.title}\n", 1)[1].split("\n## ", 1)[0]
        assert "### At 1×" in section and "### At 10×" in section
        assert "Failed" not in section
