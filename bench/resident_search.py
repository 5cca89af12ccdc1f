"""Resident name search on the demo district (~7 000 residents): how long one search takes.

Loads the demo into a throw-away SQLite file (or, with ``--postgres``, a throw-away PostgreSQL
database from :func:`bench.common.fresh_database`), then times ``list_residents(name_contains=…)`` as the district admin for a mix
of queries: one character (a surname), two characters (a given name or a surname+first char),
a full name, and a miss. Prints the median and p95 per query kind in milliseconds.

    .venv/bin/python -m bench.resident_search              # SQLite
    .venv/bin/python -m bench.resident_search --postgres   # PostgreSQL on 127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

ROUNDS = 15


async def _run(rounds: int) -> dict[str, tuple[float, float, int]]:
    from backend import db, pii
    from backend.config import load_settings
    from grid.actors import Actor, Grant
    from grid.demo import build_demo
    from grid.services import residents
    from grid.tables import Level, OrgUnit, Role

    settings = load_settings()
    pii.configure(settings.pii_key)
    engine = db.ensure_engine(settings)
    await db.open_pool(engine)
    try:
        await db.migrate()
        await build_demo(seed=2026)
        root = await OrgUnit.select().where(OrgUnit.level == Level.district).first()
        admin = Actor(
            kind="staff",
            id=0,
            name="bench",
            grants=(Grant(Role.admin, root["id"], root["prefix"], Level.district),),
        )
        sample, total = await residents.list_residents(admin, limit=7)
        names = [v.name for v in sample]
        queries = {
            "1 char (surname)": [n[0] for n in names],
            "2 chars (given name)": [n[-2:] for n in names],
            "full name": names,
            "no match": ["龘靐", "齉", "𪚥𪚥"],
        }
        out: dict[str, tuple[float, float, int]] = {}
        for kind, terms in queries.items():
            times, hits = [], 0
            for _ in range(rounds):
                for term in terms:
                    t = time.perf_counter()
                    _, n = await residents.list_residents(admin, name_contains=term, limit=50)
                    times.append((time.perf_counter() - t) * 1000)
                    hits += n
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            out[kind] = (statistics.median(times), p95, hits // rounds // len(terms))
        print(f"residents: {total}")
        return out
    finally:
        await db.close_pool(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="a throw-away PostgreSQL database")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GRIDGOV_VAR_DIR"] = tmp
        os.environ["GRIDGOV_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite"
        results = asyncio.run(_on_postgres(args.rounds) if args.postgres else _run(args.rounds))
        for kind, (median, p95, hits) in results.items():
            print(f"{kind:22} median {median:7.2f} ms  p95 {p95:7.2f} ms  ~{hits} hits")


async def _on_postgres(rounds: int) -> dict[str, tuple[float, float, int]]:
    from bench.common import fresh_database

    async with fresh_database("gridgov_bench_search") as url:
        os.environ["GRIDGOV_DATABASE_URL"] = url
        return await _run(rounds)


if __name__ == "__main__":
    main()
