"""The short form of the mixed soak (``bench/soak.py``): 60 s at 5× Chongqing's average
city-wide rate against a real ``gridgov serve`` and ``gridgov worker`` on PostgreSQL and Redis.
No request fails, every kind's p99 stays under its bound, the worker delivers every
notification, and neither process's memory grows after warm-up. The 10-minute form is a
documented command (docs/reliability.md, "6. Load")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.soak import RATES, REDIS, REPORTS
from tests.bench_support import postgres_or_skip, redis_or_skip, run_bench
from tests.conftest import TEST_DB

#: The server's RSS takes one step ~30 s into the load (then stays flat): warm up past it.
SECONDS, WARMUP = 60, 40

#: p99 bounds (ms) for a shared 2-core CI machine; a quiet one answers in a fraction of them.
P99_MS = {"report": 1_000, "photo_report": 2_500, "triage": 1_000, "vote": 1_000, "kpi": 2_000}
#: Memory after warm-up may move by caches settling, not grow: at most this share.
GROWTH_PCT = 10.0

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgres", reason="the soak runs on PostgreSQL; once, in the PostgreSQL pass"
)


def test_mixed_soak_at_five_times_the_city_rate_has_no_errors_and_flat_memory(
    tmp_path: Path,
) -> None:
    postgres_or_skip()
    redis_or_skip(REDIS)
    out = tmp_path / "soak.json"
    args = ["--seconds", str(SECONDS), "--warmup", str(WARMUP), "--json", str(out)]
    done = run_bench("bench/soak.py", *args, GRIDGOV_BENCH_REDIS=REDIS)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    res = json.loads(out.read_text(encoding="utf-8"))
    report = done.stdout[-3000:]
    print(report)  # the figures, for docs/reliability.md (pytest -s shows them)
    assert res["processes_alive"], report
    assert res["error_samples"] == [], report
    expected = {**RATES, "triage": 2 * REPORTS}
    for kind, bound in P99_MS.items():
        figures = res["kinds"][kind]
        assert figures["errors"] == 0, (kind, report)
        assert figures["requests"] >= 0.8 * expected[kind] * SECONDS, (kind, report)
        assert figures["p99_ms"] < bound, (kind, report)
    assert res["outbox_undelivered"] == 0, report
    for name, memory in res["memory"].items():
        assert memory["growth_pct"] < GROWTH_PCT, (name, report)
