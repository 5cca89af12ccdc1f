"""The embedded default (SQLite) stays correct under concurrent writes.

Measured on this stack: Piccolo opens a connection per query, and deferred write transactions
under concurrency fail with "database is locked" nearly always; ``write_transaction`` (WAL,
busy timeout, BEGIN IMMEDIATE) must make them queue instead.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from backend import db
from grid.tables import PartyMember, PartyOrg, PartyOrgKind
from tests.conftest import TEST_DB

pytestmark = pytest.mark.skipif(TEST_DB != "sqlite", reason="SQLite-specific behaviour")

CONCURRENT = 60


async def test_sixty_concurrent_http_writes_all_succeed_and_none_is_lost(client, world):
    headers = world.headers("street_a_staff")
    org = await client.post(
        "/api/v1/party-orgs/",
        json={
            "name": "并发测试街道党工委",
            "kind": "street_working_committee",
            "unit_id": world.units["street_a"],
        },
        headers=world.headers("admin"),
    )
    assert org.status_code == 201, org.text
    org_id = org.json()["id"]

    async def add(i: int) -> int:
        response = await client.post(
            f"/api/v1/party-orgs/{org_id}/members", json={"name": f"党员{i:03d}"}, headers=headers
        )
        return response.status_code

    statuses = await asyncio.gather(*(add(i) for i in range(CONCURRENT)))
    assert statuses == [201] * CONCURRENT
    names = {
        r["name"]
        for r in await PartyMember.select(PartyMember.name).where(PartyMember.party_org == org_id)
    }
    assert names == {f"党员{i:03d}" for i in range(CONCURRENT)}


async def test_concurrent_read_modify_write_transactions_do_not_lose_updates(settings, world):
    row = (
        await PartyOrg.insert(
            PartyOrg(
                name="0",
                kind=PartyOrgKind.street_working_committee,
                unit=world.units["street_b"],
                unit_prefix="500103002",
            )
        )
    )[0]

    async def increment() -> None:
        async with db.write_transaction():
            current = await PartyOrg.select(PartyOrg.name).where(PartyOrg.id == row["id"]).first()
            await asyncio.sleep(0)
            await PartyOrg.update({PartyOrg.name: str(int(current["name"]) + 1)}).where(
                PartyOrg.id == row["id"]
            )

    await asyncio.gather(*(increment() for _ in range(CONCURRENT)))
    final = await PartyOrg.select(PartyOrg.name).where(PartyOrg.id == row["id"]).first()
    assert final["name"] == str(CONCURRENT)


async def test_a_failed_begin_immediate_closes_its_connection(settings, monkeypatch):
    """Otherwise its aiosqlite thread outlives the failure and hangs the process at exit."""
    engine = db.get_engine()
    monkeypatch.setitem(engine.connection_kwargs, "timeout", 0.05)
    blocker = sqlite3.connect(settings.sqlite_path, timeout=1, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    threads_before = {t.ident for t in threading.enumerate()}
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            async with db.write_transaction():
                pass
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    for _ in range(50):
        leftover = [
            t for t in threading.enumerate() if t.ident not in threads_before and t.is_alive()
        ]
        if not leftover:
            break
        await asyncio.sleep(0.02)
    assert leftover == []
