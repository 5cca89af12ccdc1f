"""Benchmark: a burst of owners voting at once on PostgreSQL, beside a plain-insert baseline.

What it measures, on a fresh PostgreSQL database (created and dropped by the run):

1. ``cast_ballot`` through the real service for ``--voters`` owners of one building (default
   10 000), ``--concurrency`` at a time on one pooled engine: eligibility from the frozen
   roll, the window and phase checks under the matter's shared lock, the ballot insert with
   its UNIQUE(matter, roll_entry), the ballot event, and the batched hash-chain sealing.
   Every voter then tries a second time (refused), and the chain is verified.
2. The same-run baseline: plain asyncpg inserts of the same rows (one ballot row and one
   ballot-event row per voter, in one transaction each), same pool size and concurrency,
   into a second matter's roll.

It prints ballots/s for both and their ratio. Target: ≥ 1 000 ballots/s through the service.

Run: ``.venv/bin/python bench/vote_burst.py`` (``--voters 2000`` for a quick run;
``--pg postgresql://user@host:port/db`` to choose the server, default the test server).
``measure(size)`` (for ``bench/run_all.py``): the data that grows is the voters on the roll.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import secrets
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from backend import clock, db, pii
from backend.auth import load_actor
from backend.config import load_settings
from backend.errors import DomainError, ErrorCode
from bench.common import PG_ADMIN, print_summary, quantity, result
from community.services import ballots, chain, tally
from community.tables import Matter, RollEntry
from grid.codes import validate_code
from grid.services.staff import create_first_admin
from grid.tables import Level, OrgUnit
from tests.estate import build_estate, open_matter

UNITS = [
    ("city", "500100000000", Level.city, None),
    ("district", "500103000000", Level.district, "city"),
    ("street", "500103001000", Level.street, "district"),
    ("community", "500103001001", Level.community, "street"),
    ("grid", "500103001001001", Level.grid, "community"),
    ("micro", "500103001001001001", Level.micro_grid, "grid"),
]


@dataclass
class BenchWorld:
    units: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    actors: dict = field(default_factory=dict)


async def make_world() -> BenchWorld:
    world = BenchWorld()
    for key, code, level, parent in UNITS:
        prefix = validate_code(code, level, world.codes.get(parent) if parent else None)
        row = await OrgUnit.insert(
            OrgUnit(
                code=code,
                prefix=prefix,
                name=key,
                level=level,
                parent=world.units.get(parent) if parent else None,
            )
        ).returning(OrgUnit.id)
        world.units[key], world.codes[key] = row[0]["id"], code
    admin = await create_first_admin("bench_admin", "Bench-passw0rd-1", world.units["city"])
    world.actors["admin"] = await load_actor(admin)
    return world


async def service_burst(world: BenchWorld, voters: int, concurrency: int) -> tuple[int, float]:
    t0 = time.perf_counter()
    estate = await build_estate(world, voters, micro="micro")
    t1 = time.perf_counter()
    matter = await open_matter(world, estate, staff="admin", hours=2)
    t2 = time.perf_counter()
    print(f"setup: estate {t1 - t0:.1f} s, matter opened (roll frozen) {t2 - t1:.1f} s")
    gate = asyncio.Semaphore(concurrency)

    async def vote(i: int) -> bool:
        async with gate:
            try:
                await ballots.cast_ballot(estate.voter(i), matter["id"], "agree")
            except DomainError as exc:
                assert exc.code is ErrorCode.BALLOT_ALREADY_CAST
                return False
            return True

    started, cpu = time.perf_counter(), time.process_time()
    cast = await asyncio.gather(*(vote(i) for i in range(voters)))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(f"cast: {elapsed:.2f} s wall, {cpu:.2f} s CPU of this (client) process", flush=True)
    t3 = time.perf_counter()
    again = await asyncio.gather(*(vote(i) for i in range(voters)))
    assert all(cast) and not any(again), "one ballot per voter"
    t4 = time.perf_counter()
    clock.advance(timedelta(hours=3))
    await tally.close_voting(world.actors["admin"], matter["id"])
    print(f"second attempts refused: {t4 - t3:.2f} s; close+tally {time.perf_counter() - t4:.2f} s")
    check = await chain.verify_chain_of(matter["id"])
    assert check.ok and check.length == voters, check
    return matter["id"], elapsed


async def baseline_burst(world: BenchWorld, dsn: str, voters: int, concurrency: int) -> float:
    """Plain asyncpg: the same ballot and ballot-event rows, one transaction per voter."""
    estate = await build_estate(world, voters, micro="micro")
    matter = await open_matter(world, estate, staff="admin", hours=2)
    entries = [
        r["id"]
        for r in await RollEntry.select(RollEntry.id)
        .where(RollEntry.matter == matter["id"])
        .order_by(RollEntry.id)
    ]
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    now = datetime.now(UTC)

    async def insert(entry: int) -> None:
        nonce = secrets.token_hex(16)
        receipt = secrets.token_hex(8).upper()
        async with pool.acquire() as con, con.transaction():
            await con.execute(
                "INSERT INTO community_ballot (matter, roll_entry, choice, approvals, channel,"
                " changes, receipt, cast_at) VALUES ($1, $2, 'agree', '[]', 'online', 0, $3, $4)",
                matter["id"],
                entry,
                receipt,
                now,
            )
            await con.execute(
                "INSERT INTO community_ballot_event (matter, roll_entry, ballot_no, choice,"
                " approvals, channel, cast_by_kind, cast_by_id, nonce, receipt, at)"
                " VALUES ($1, $2, 1, 'agree', '[]', 'online', 'resident', $3, $4, $5, $6)",
                matter["id"],
                entry,
                entry,
                nonce,
                receipt,
                now,
            )

    gate = asyncio.Semaphore(concurrency)

    async def limited(entry: int) -> None:
        async with gate:
            await insert(entry)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(limited(e) for e in entries))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(f"baseline: {elapsed:.2f} s wall, {cpu:.2f} s CPU of this (client) process")
    await pool.close()
    return elapsed


async def run(pg: str, voters: int, concurrency: int) -> dict[str, Any]:
    admin = await asyncpg.connect(pg)
    name = f"gridgov_bench_{uuid.uuid4().hex[:10]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = pg.rsplit("/", 1)[0] + "/" + name
    settings = load_settings({"GRIDGOV_DATABASE_URL": dsn, "GRIDGOV_ENV": "dev"})
    pii.configure(settings.pii_key)
    engine = db.ensure_engine(settings)
    await db.open_pool(engine, max_size=concurrency + 2)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Piccolo reports every migration
            await db.migrate()
        load_before = os.getloadavg()[0]
        world = await make_world()
        matter_id, service_s = await service_burst(world, voters, concurrency)
        baseline_s = await baseline_burst(world, dsn, voters, concurrency)
        length = (await Matter.select(Matter.chain_length).where(Matter.id == matter_id))[0]
        out = {
            "voters": voters,
            "concurrency": concurrency,
            "service_s": service_s,
            "baseline_s": baseline_s,
            "chain": length["chain_length"],
            "load": (load_before, os.getloadavg()[0]),
        }
    finally:
        clock.reset()
        await db.close_pool(engine)
        admin = await asyncpg.connect(pg)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return out


def summarize(out: dict[str, Any]) -> dict[str, Any]:
    n = out["voters"]
    service_rate, baseline_rate = n / out["service_s"], n / out["baseline_s"]
    detail = "\n".join(
        [
            f"{n:,} owners of one building, {out['concurrency']} at a time; load average "
            f"{out['load'][0]:.1f} → {out['load'][1]:.1f}:",
            "",
            "| path | ballots | wall | ballots/s |",
            "|---|---:|---:|---:|",
            f"| `cast_ballot` (service) | {n:,} | {out['service_s']:.2f} s | **{service_rate:,.0f}** |",
            f"| plain asyncpg inserts (baseline) | {n:,} | {out['baseline_s']:.2f} s "
            f"| {baseline_rate:,.0f} |",
            f"| service / baseline | | | {service_rate / baseline_rate:.2f} |",
            "",
            f"Chain verified: {out['chain']:,} entries. Target ≥ 1 000 ballots/s: "
            f"**{'met' if service_rate >= 1000 else 'not met'}**.",
        ]
    )
    return result(
        "vote_burst",
        data="voters on the roll",
        size=n,
        figure=quantity("cast_ballot", service_rate, "ballots/s"),
        baseline=quantity("plain asyncpg inserts", baseline_rate, "ballots/s"),
        ratio=service_rate / baseline_rate,
        cost=quantity("one ballot", 1000 * out["service_s"] / n, "ms"),
        detail=detail,
    )


def measure(size: int, quick: bool = False) -> dict[str, Any]:
    """A burst of ``size`` owners voting on a fresh database (dropped after)."""
    return summarize(asyncio.run(run(PG_ADMIN, size, 16)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--pg", default=PG_ADMIN)
    args = parser.parse_args()
    res = summarize(asyncio.run(run(args.pg, args.voters, args.concurrency)))
    print()
    print(res["detail"])
    print_summary(res)


if __name__ == "__main__":
    main()
