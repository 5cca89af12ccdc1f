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
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from backend import clock, db, pii
from backend.auth import load_actor
from backend.config import load_settings
from backend.errors import DomainError, ErrorCode
from community.services import ballots, chain, tally
from community.tables import Matter, RollEntry
from grid.codes import validate_code
from grid.services.staff import create_first_admin
from grid.tables import Level, OrgUnit
from tests.estate import build_estate, open_matter

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
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


async def main(args: argparse.Namespace) -> None:
    admin = await asyncpg.connect(args.pg)
    name = f"gridgov_bench_{uuid.uuid4().hex[:10]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = args.pg.rsplit("/", 1)[0] + "/" + name
    settings = load_settings({"GRIDGOV_DATABASE_URL": dsn, "GRIDGOV_ENV": "dev"})
    pii.configure(settings.pii_key)
    engine = db.ensure_engine(settings)
    await db.open_pool(engine, max_size=args.concurrency + 2)
    try:
        await db.migrate()
        load_before = os.getloadavg()[0]
        world = await make_world()
        matter_id, service_s = await service_burst(world, args.voters, args.concurrency)
        baseline_s = await baseline_burst(world, dsn, args.voters, args.concurrency)
        length = (await Matter.select(Matter.chain_length).where(Matter.id == matter_id))[0]
        service_rate = args.voters / service_s
        baseline_rate = args.voters / baseline_s
        print(f"voters: {args.voters}, concurrency: {args.concurrency}")
        print(f"load average: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
        print(f"service cast_ballot: {service_s:.2f} s, {service_rate:,.0f} ballots/s")
        print(f"baseline asyncpg inserts: {baseline_s:.2f} s, {baseline_rate:,.0f} ballots/s")
        print(f"service / baseline: {service_rate / baseline_rate:.2f}")
        print(f"chain verified: {length['chain_length']} entries")
        print(f"target ≥ 1 000 ballots/s: {'met' if service_rate >= 1000 else 'NOT met'}")
    finally:
        clock.reset()
        await db.close_pool(engine)
        admin = await asyncpg.connect(args.pg)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--pg", default=os.environ.get("GRIDGOV_BENCH_PG_URL", PG_DEFAULT))
    asyncio.run(main(parser.parse_args()))
