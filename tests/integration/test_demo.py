"""``gridgov demo`` on a fresh database: the full district, fast, stored as planned, idempotent."""

from __future__ import annotations

import json
import time

from grid.demo.build import summarize
from grid.demo.plan import generate_plan
from grid.demo.staff import DEMO_PASSWORD
from tests.cli_env import fresh_installation

#: The issue's ceiling for building the demo on the embedded defaults.
MAX_SECONDS = 60


async def test_demo_builds_the_full_district_quickly_and_a_second_run_changes_nothing(tmp_path):
    plan = generate_plan(2026)
    expected = summarize(plan, created=True).counts
    async with fresh_installation(tmp_path) as gridgov:
        started = time.monotonic()
        first = gridgov.run("demo", timeout=MAX_SECONDS * 2)
        took = time.monotonic() - started
        assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
        assert took < MAX_SECONDS, f"gridgov demo took {took:.1f} s"
        assert "本次已写入数据库" in first.stdout
        assert f"admin / {DEMO_PASSWORD}" in first.stdout

        levels = dict(await gridgov.query("SELECT level, COUNT(*) FROM org_unit GROUP BY level"))
        assert levels == {
            "city": 1,
            "district": 1,
            "street": expected["streets"],
            "community": expected["communities"],
            "grid": expected["grids"],
            "micro_grid": expected["micro_grids"],
        }
        counts = {
            t: await gridgov.count(t)
            for t in ("house_unit", "household", "resident", "staff_account", "party_org")
        }
        assert counts == {
            "house_unit": expected["house_units"],
            "household": expected["households"],
            "resident": expected["residents"],
            "staff_account": len(plan.staff),
            "party_org": expected["party_orgs"],
        }
        assert await gridgov.count("resident", "household IS NULL") == 0
        roles = {r[0] for r in await gridgov.query("SELECT DISTINCT role FROM role_assignment")}
        assert roles == {s.role.value for s in plan.staff}

        # stored exactly as planned (the plan is deterministic: tests/unit/test_demo_plan.py)
        stored = {
            code: json.loads(b) if isinstance(b, str) else b
            for code, b in await gridgov.query(
                "SELECT code, boundary FROM org_unit WHERE level = 'grid'"
            )
        }
        assert stored == {u.code: u.tile.boundary for u in plan.units if u.level == "grid"}

        second = gridgov.run("demo", timeout=MAX_SECONDS * 2)
        assert second.returncode == 0, second.stderr[-2000:]
        assert "数据库中已存在，未做改动" in second.stdout
        again = {
            t: await gridgov.count(t)
            for t in ("house_unit", "household", "resident", "staff_account", "party_org")
        }
        assert again == counts


async def test_demo_is_refused_in_production(tmp_path):
    async with fresh_installation(tmp_path) as gridgov:
        secret = "s" * 40
        result = gridgov.run(
            "demo", GRIDGOV_ENV="prod", GRIDGOV_SECRET_KEY=secret, GRIDGOV_PII_KEY=secret + "p"
        )
        assert result.returncode != 0
        assert "refusing in GRIDGOV_ENV=prod" in result.stderr
