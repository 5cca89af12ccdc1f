"""Integrity of a vote under load and under attack.

* Thousands of owners voting at once, each trying twice, end with exactly one ballot each and
  a tally equal to an independent recount (and re-hash) of the published list.
* The log is append-only in the database; someone who bypasses that and edits a ballot event
  or a chain link is caught by verification at exactly that entry.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from backend import clock
from backend.db import get_engine
from backend.errors import DomainError, ErrorCode
from community.services import ballots, tally
from community.tables import Ballot, BallotEvent
from community.tasks import seal_pending_chains
from tests.conftest import TEST_DB
from tests.estate import build_estate, open_matter

VOTERS = 2000 if TEST_DB == "postgres" else 200
CONCURRENCY = 16


def recount(published: dict) -> tuple[Counter, Counter, int, str]:
    """What any owner can do with the published list alone: recount and re-hash."""
    counts: Counter = Counter()
    areas: Counter = Counter()
    prev = published["genesis"]
    for e in published["entries"]:
        body = {
            "v": 1,
            "matter": published["matter_id"],
            "entry": e["roll_entry"],
            "choice": e["choice"],
            "approvals": sorted(e["approvals"]),
            "channel": e["channel"],
            "nonce": e["nonce"],
        }
        encoded = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        assert e["prev_hash"] == prev
        prev = hashlib.sha256(bytes.fromhex(prev) + encoded).hexdigest()
        assert e["entry_hash"] == prev
        if e["counted"]:
            counts[e["choice"]] += 1
            areas[e["choice"]] += Decimal(e["weight"])
    return counts, areas, len(published["entries"]), prev


async def test_thousands_voting_at_once_twice_each_get_exactly_one_ballot(world):
    areas = [8_000 + (i % 7) * 1_537 for i in range(VOTERS)]
    estate = await build_estate(world, VOTERS, area_centi=areas)
    matter = await open_matter(world, estate, item=6, hours=2)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def attempt(i: int, second: bool) -> str:
        agree = (i % 5 != 0) != second  # the two attempts disagree with each other
        async with gate:
            try:
                await ballots.cast_ballot(
                    estate.voter(i), matter["id"], "agree" if agree else "disagree"
                )
            except DomainError as exc:
                return str(exc.code)
            return "ok"

    outcomes = await asyncio.gather(
        *(attempt(i, second) for i in range(VOTERS) for second in (False, True))
    )
    assert Counter(outcomes) == {"ok": VOTERS, ErrorCode.BALLOT_ALREADY_CAST: VOTERS}
    assert await Ballot.count().where(Ballot.matter == matter["id"]) == VOTERS
    assert await BallotEvent.count().where(BallotEvent.matter == matter["id"]) == VOTERS

    clock.advance(timedelta(hours=3))
    staff = world.actors["community_staff_a"]
    await tally.close_voting(staff, matter["id"])
    done = await tally.publish_result(staff, matter["id"])
    result = done["result"]
    entries: list[dict] = []
    while True:
        page = await tally.published_list(
            estate.voter(0), matter["id"], offset=len(entries), limit=500
        )
        if not page["entries"]:
            break
        entries += page["entries"]
    published = {**page, "entries": entries}
    counts, area, length, head = recount(published)
    assert length == VOTERS == result["chain_length"]
    assert head == result["chain_head"] == done["chain_head"]
    assert counts["agree"] == result["counts"]["agree"]
    assert counts["disagree"] == result["counts"]["disagree"]
    assert area["agree"] == Decimal(result["areas"]["agree"])
    assert area["disagree"] == Decimal(result["areas"]["disagree"])
    assert sum(counts.values()) == result["participating_count"] == VOTERS
    assert Decimal(result["participating_area"]) == sum(Decimal(a) for a in areas) / 100


async def _bypass_append_only(table: str, sql: str) -> None:
    """Edit an append-only table the way only someone with full database rights could."""
    engine = get_engine()
    if TEST_DB == "postgres":
        await engine.run_ddl(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        try:
            await engine.run_ddl(sql)
        finally:
            await engine.run_ddl(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
    else:
        await engine.run_ddl(f"DROP TRIGGER {table}_no_update")
        try:
            await engine.run_ddl(sql)
        finally:
            await engine.run_ddl(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


async def _voted_matter(world, voters: int = 6) -> tuple[dict, list[dict]]:
    estate = await build_estate(world, voters)
    matter = await open_matter(world, estate)
    for i in range(voters):
        await ballots.cast_ballot(estate.voter(i), matter["id"], "agree")
    await seal_pending_chains()
    rows = await tally.chain.chain_rows(matter["id"])
    assert len(rows) == voters
    return matter, rows


async def test_ballot_log_refuses_update_and_delete(world):
    matter, rows = await _voted_matter(world, 2)
    for sql in (
        f"UPDATE community_ballot_event SET choice = 'disagree' WHERE id = {rows[0]['event_id']}",
        f"DELETE FROM community_chain_link WHERE matter = {matter['id']}",
    ):
        with pytest.raises(Exception, match="append-only"):
            await get_engine().run_ddl(sql)
    check = await tally.verify_chain(world.actors["community_staff_a"], matter["id"])
    assert check.ok


@pytest.mark.parametrize("seq", [1, 4, 6])
async def test_editing_a_ballot_event_fails_verification_at_that_entry(world, seq):
    matter, rows = await _voted_matter(world)
    event_id = rows[seq - 1]["event_id"]
    await _bypass_append_only(
        "community_ballot_event",
        f"UPDATE community_ballot_event SET choice = 'disagree' WHERE id = {event_id}",
    )
    check = await tally.verify_chain(world.actors["community_staff_a"], matter["id"])
    assert not check.ok
    assert check.first_bad_seq == seq
    assert "hash" in check.reason


async def test_rewriting_a_chain_link_fails_verification_at_that_entry(world):
    matter, _ = await _voted_matter(world)
    fake = hashlib.sha256(b"forged").hexdigest()
    await _bypass_append_only(
        "community_chain_link",
        f"UPDATE community_chain_link SET entry_hash = '{fake}' "
        f"WHERE matter = {matter['id']} AND seq = 3",
    )
    check = await tally.verify_chain(world.actors["community_staff_a"], matter["id"])
    assert (check.ok, check.first_bad_seq) == (False, 3)


async def test_unknown_receipt_is_reported(world):
    matter, _ = await _voted_matter(world, 1)
    with pytest.raises(DomainError) as info:
        await tally.verify_receipt(world.actors["community_staff_a"], matter["id"], "AAAA-BBBB")
    assert info.value.code is ErrorCode.RECEIPT_UNKNOWN


@pytest.mark.skipif(TEST_DB != "postgres", reason="the phase gate is PostgreSQL's advisory lock")
async def test_a_ballot_waiting_at_the_gate_while_voting_closes_is_refused(world, settings):
    import asyncpg

    from community.services.chain import PHASE_LOCK

    estate = await build_estate(world, 3)
    matter = await open_matter(world, estate)
    closer = await asyncpg.connect(settings.database_url)
    try:
        async with closer.transaction():
            await closer.execute("SELECT pg_advisory_xact_lock($1, $2)", PHASE_LOCK, matter["id"])
            waiting = asyncio.create_task(
                ballots.cast_ballot(estate.voter(0), matter["id"], "agree")
            )
            await asyncio.sleep(0.5)
            assert not waiting.done()  # held at the gate
            await closer.execute(
                "UPDATE community_matter SET phase = 'tallied' WHERE id = $1", matter["id"]
            )
        with pytest.raises(DomainError) as info:
            await waiting
        assert info.value.code is ErrorCode.VOTING_NOT_OPEN
        assert await Ballot.count().where(Ballot.matter == matter["id"]) == 0
    finally:
        await closer.close()


async def test_chain_holds_while_ballots_wait_to_be_linked_and_after(world):
    estate = await build_estate(world, 5)
    matter = await open_matter(world, estate)
    receipts = [await ballots.cast_ballot(estate.voter(i), matter["id"], "agree") for i in range(5)]
    staff = world.actors["community_staff_a"]
    waiting = await tally.verify_chain(staff, matter["id"])
    assert waiting.ok and waiting.length + waiting.pending == 5
    await seal_pending_chains()
    sealed = await tally.verify_chain(staff, matter["id"])
    assert (sealed.ok, sealed.length, sealed.pending) == (True, 5, 0)
    found = await tally.verify_receipt(staff, matter["id"], receipts[4].shown)
    assert found["in_chain"] and found["counted"]
