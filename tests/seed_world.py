"""Build the persona world (tests/personas.py) in the database the environment names and print,
as JSON, what a test needs to talk to it over HTTP.

Run as a subprocess (``python -m tests.seed_world``) by tests whose database is not the
session's — a private PostgreSQL cluster the test restarts, for example: the test process's
own engine keeps serving the session database.
"""

from __future__ import annotations

import asyncio
import json

from argon2 import PasswordHasher

from backend import db, passwords, pii
from backend.config import load_settings
from tests.cases_support import POINTS, category_id
from tests.personas import build_world


async def main() -> None:
    # Test accounts need no costly hashes: argon2 keeps its parameters in each hash, so the
    # app verifies these as it would real ones. Saves ~15 s of a loaded CI machine.
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    settings = load_settings()
    pii.configure(settings.pii_key)
    engine = db.ensure_engine(settings)
    await db.open_pool(engine)
    try:
        await db.migrate()
        world = await build_world(settings)
        lon, lat = POINTS["grid_a1_1"]
        seed = {
            "headers": world.headers("grid_worker_a"),
            "category_id": await category_id("0101"),
            "lon": lon,
            "lat": lat,
        }
    finally:
        await db.close_pool(engine)
    print(json.dumps(seed))


if __name__ == "__main__":
    asyncio.run(main())
