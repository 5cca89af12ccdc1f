"""The tamper-evident log: every ballot event linked into one hash chain per matter.

Entry ``n`` of a matter's chain: ``hash_n = SHA-256(hash_{n-1} ‖ canonical(event_n))`` with
``hash_0 = SHA-256("gridgov:matter:<id>")``. The canonical encoding is compact, key-sorted
ASCII JSON of exactly what the public list shows (matter, roll entry, choice, approvals,
channel, nonce), so anyone holding the published list can recompute every hash. A voter's
receipt is the first 80 bits of SHA-256(canonical(event)) in base32: short enough to copy,
unguessable before publication because of the event's random nonce.

Linking is batched so voting never queues on one lock: a cast writes its event and a
:class:`ChainPending` row; whichever cast gets the matter's sealing lock (a PostgreSQL
``pg_try_advisory_xact_lock``; SQLite transactions are serialized already) links every
pending event in its transaction, the others leave theirs for the next one. Closing the
vote waits for the lock and links the rest, so the tally always covers a complete chain.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from backend.db import get_engine
from community.tables import Ballot, BallotEvent, ChainLink, ChainPending

#: Advisory-lock class ids (PostgreSQL): phase gate (casts share, closing excludes) and sealer.
PHASE_LOCK = 278_001
SEAL_LOCK = 278_002
#: On PostgreSQL, one cast in this many links the pending batch (see :func:`seal_now_and_then`).
SEAL_EVERY = 16


def canonical(event: dict[str, Any]) -> bytes:
    body = {
        "v": 1,
        "matter": int(event["matter"]),
        "entry": int(event["roll_entry"]),
        "choice": event["choice"],
        "approvals": sorted(int(a) for a in event["approvals"] or []),
        "channel": str(event["channel"]),
        "nonce": event["nonce"],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def receipt_of(event: dict[str, Any]) -> str:
    digest = hashlib.sha256(canonical(event)).digest()
    return base64.b32encode(digest[:10]).decode()


def normalize_receipt(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def shown_receipt(receipt: str) -> str:
    return "-".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def genesis(matter_id: int) -> str:
    return hashlib.sha256(f"gridgov:matter:{matter_id}".encode()).hexdigest()


def link_hash(prev_hash: str, event: dict[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical(event)).hexdigest()


def is_postgres() -> bool:
    return isinstance(get_engine(), PostgresEngine)


async def advisory(kind: int, matter_id: int, *, shared: bool = False, wait: bool = True) -> bool:
    """Take a transaction-scoped advisory lock on PostgreSQL (SQLite: always granted)."""
    if not is_postgres():
        return True
    fn = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    if shared:
        fn += "_shared"
    rows = await get_engine().run_ddl(f"SELECT {fn}({int(kind)}, {int(matter_id)}) AS ok")
    return wait or bool(rows[0]["ok"])


async def gate(matter_id: int) -> None:
    """Enter a matter's phase gate (shared with other casts, exclusive to closing).

    The phase must be read in a *later* statement: a read in the same statement would use
    a snapshot from before the wait.
    """
    await advisory(PHASE_LOCK, matter_id, shared=True)


async def seal_now_and_then(matter_id: int, event_id: int) -> None:
    """Link pending events: on SQLite every time (writes are serialized anyway), on
    PostgreSQL on every :data:`SEAL_EVERY`-th event, if no one else is sealing — so casts
    never queue behind each other; closing and the periodic task link the rest."""
    if not is_postgres():
        await seal(matter_id)
    elif event_id % SEAL_EVERY == 0 and await advisory(SEAL_LOCK, matter_id, wait=False):
        await seal(matter_id)


async def head(matter_id: int) -> tuple[int, str]:
    last = (
        await ChainLink.select(ChainLink.seq, ChainLink.entry_hash)
        .where(ChainLink.matter == matter_id)
        .order_by(ChainLink.seq, ascending=False)
        .first()
    )
    return (last["seq"], last["entry_hash"]) if last else (0, genesis(matter_id))


async def seal(matter_id: int) -> int:
    """Link every pending event (the caller holds the sealing lock, in its transaction)."""
    pending = await ChainPending.select(ChainPending.id, ChainPending.event).where(
        ChainPending.matter == matter_id
    )
    if not pending:
        return 0
    events = (
        await BallotEvent.select()
        .where(BallotEvent.id.is_in([p["event"] for p in pending]))
        .order_by(BallotEvent.id)
        .output(load_json=True)
    )
    seq, prev = await head(matter_id)
    links = []
    for event in events:
        seq += 1
        entry = link_hash(prev, event)
        links.append(
            ChainLink(
                matter=matter_id, seq=seq, event=event["id"], prev_hash=prev, entry_hash=entry
            )
        )
        prev = entry
    await ChainLink.insert(*links)
    await ChainPending.delete().where(ChainPending.id.is_in([p["id"] for p in pending]))
    return len(links)


async def chain_rows(matter_id: int) -> list[dict[str, Any]]:
    """Links in order, each with its event's fields."""
    return list(
        await ChainLink.select(
            ChainLink.seq,
            ChainLink.prev_hash,
            ChainLink.entry_hash,
            ChainLink.event.id.as_alias("event_id"),
            ChainLink.event.matter.as_alias("matter"),
            ChainLink.event.roll_entry.as_alias("roll_entry"),
            ChainLink.event.choice.as_alias("choice"),
            ChainLink.event.approvals.as_alias("approvals"),
            ChainLink.event.channel.as_alias("channel"),
            ChainLink.event.nonce.as_alias("nonce"),
            ChainLink.event.receipt.as_alias("receipt"),
        )
        .where(ChainLink.matter == matter_id)
        .order_by(ChainLink.seq)
        .output(load_json=True)
    )


@dataclass(frozen=True)
class Verification:
    ok: bool
    length: int
    head: str
    pending: int
    first_bad_seq: int | None = None
    reason: str = ""


def verify_links(matter_id: int, rows: Sequence[dict[str, Any]]) -> tuple[int | None, str, str]:
    """Walk the chain; the first entry that does not hold, and why, and the head."""
    prev = genesis(matter_id)
    for expected_seq, row in enumerate(rows, start=1):
        if row["seq"] != expected_seq:
            return expected_seq, "entry missing", prev
        if int(row["matter"]) != matter_id:
            return row["seq"], "event of another matter", prev
        if row["prev_hash"] != prev:
            return row["seq"], "previous hash does not match", prev
        if link_hash(prev, row) != row["entry_hash"]:
            return row["seq"], "entry hash does not match its event", prev
        if receipt_of(row) != row["receipt"]:
            return row["seq"], "receipt does not match its event", prev
        prev = row["entry_hash"]
    return None, "", prev


async def verify_chain_of(matter_id: int) -> Verification:
    """Recompute the whole chain, then check every current ballot is its entry's last event."""
    rows = await chain_rows(matter_id)
    pending = await ChainPending.count().where(ChainPending.matter == matter_id)
    bad, reason, last = verify_links(matter_id, rows)
    if bad is not None:
        return Verification(False, len(rows), last, pending, bad, reason)
    latest: dict[int, dict[str, Any]] = {}
    for row in rows:
        latest[row["roll_entry"]] = row
    ballots = (
        await Ballot.select(
            Ballot.roll_entry, Ballot.choice, Ballot.approvals, Ballot.channel, Ballot.receipt
        )
        .where(Ballot.matter == matter_id)
        .output(load_json=True)
    )
    waiting = {
        r["receipt"]
        for r in await ChainPending.select(ChainPending.event.receipt.as_alias("receipt")).where(
            ChainPending.matter == matter_id
        )
    }
    chained_entries = set(latest)
    for ballot in sorted(ballots, key=lambda b: latest.get(b["roll_entry"], {}).get("seq", 0)):
        last_event = latest.get(ballot["roll_entry"])
        if last_event is None:
            if ballot["receipt"] in waiting:
                continue  # cast, not yet linked
            return Verification(
                False, len(rows), last, pending, len(rows) + 1, "ballot not in chain"
            )
        same = (
            ballot["choice"] == last_event["choice"]
            and sorted(ballot["approvals"] or []) == sorted(last_event["approvals"] or [])
            and ballot["channel"] == last_event["channel"]
            and ballot["receipt"] == last_event["receipt"]
        )
        if not same and ballot["receipt"] not in waiting:
            return Verification(
                False,
                len(rows),
                last,
                pending,
                last_event["seq"],
                "ballot differs from its chain entry",
            )
        chained_entries.discard(ballot["roll_entry"])
    if chained_entries:
        seq = min(latest[e]["seq"] for e in chained_entries)
        return Verification(False, len(rows), last, pending, seq, "chained ballot missing")
    return Verification(True, len(rows), last, pending)
