"""The hot path of a vote in hand-written SQL: who is voting, and writing their ballot.

A burst of thousands of owners voting at once is the one place where round trips decide
the throughput, so the cast needs, after the phase gate, exactly two statements:

1. :func:`voter_of` — the matter (phase, window, scope), the resident's place and the roll
   entries they may cast, in one join;
2. :func:`write_ballot` — on PostgreSQL one statement whose CTEs insert the current ballot
   (``ON CONFLICT DO NOTHING`` on UNIQUE(matter, roll_entry)) if the matter is still in its
   voting phase as of this statement, its event and its place in the sealing queue; on SQLite
   (serialized writes, no data-modifying CTEs) three inserts.

On PostgreSQL the first statement also enters the matter's phase gate: a shared advisory
lock that closing the vote takes exclusively. A cast that held the gate before closing asked
for it is waited for (and counted); one that gets it after closing has committed finds the
phase changed in its second statement, which reads a fresh snapshot, and is refused.

A change of vote (when the matter allows it) is rare and goes the ORM way.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.errors import DomainError, ErrorCode
from backend.pii import open_text
from community.rules import Choice
from community.services import chain
from community.services.access import ResidentPlace
from community.tables import Ballot, BallotChannel, ChainPending, Matter

MATTER_COLUMNS = (
    "id",
    "phase",
    "kind",
    "title",
    "unit_prefix",
    "scope_kind",
    "building",
    "house_unit_ids",
    "voting_opens_at",
    "voting_closes_at",
    "allow_change",
    "seats",
    "version",
)

# Constant SQL (column names from this module only; every value is a bound parameter).
VOTER_SQL = (
    "SELECT "  # noqa: S608
    + ", ".join(f"m.{c}" for c in MATTER_COLUMNS)
    + ", r.id AS resident_id, r.name_enc AS resident_name, r.owner AS owner_id,"
    " h.id AS household_id, u.id AS house_unit_id, u.building AS unit_building,"
    " u.unit_prefix AS place_prefix, vr.roll_entry AS as_resident,"
    " vh.roll_entry AS as_household, vo.roll_entry AS as_owner"
    " FROM community_matter m"
    " JOIN resident r ON r.id = {}"
    " JOIN household h ON h.id = r.household"
    " JOIN house_unit u ON u.id = h.house_unit"
    # three equality joins, each one probe of ix_community_roll_voter (an OR would scan the
    # whole roll of the matter for every ballot)
    " LEFT JOIN community_roll_voter vr ON vr.matter = m.id AND vr.voter_kind = 'resident'"
    " AND vr.voter_id = r.id"
    " LEFT JOIN community_roll_voter vh ON vh.matter = m.id AND vh.voter_kind = 'household'"
    " AND vh.voter_id = h.id"
    " LEFT JOIN community_roll_voter vo ON vo.matter = m.id AND vo.voter_kind = 'owner'"
    " AND vo.voter_id = r.owner"
    " WHERE m.id = {}"
)

#: PostgreSQL: the same, entering the matter's phase gate (shared advisory lock) first. The
#: gate is only an ordering device: the phase read here may predate a close that committed
#: while this statement waited, so :data:`PG_CAST_SQL` checks the phase again.
PG_VOTER_SQL = VOTER_SQL.replace(
    " FROM community_matter m",
    " FROM (SELECT pg_advisory_xact_lock_shared("
    + str(chain.PHASE_LOCK)
    + ", {}) AS gated) g, community_matter m",
)


@dataclass(frozen=True)
class Voter:
    matter: dict[str, Any]
    place: ResidentPlace
    entries: list[int]


async def voter_of(matter_id: int, resident_id: int) -> Voter | None:
    """Who is voting, read behind the phase gate (PostgreSQL: in the same round trip)."""
    if chain.is_postgres():
        rows = await Matter.raw(PG_VOTER_SQL, matter_id, resident_id, matter_id)
    else:
        rows = await Matter.raw(VOTER_SQL, resident_id, matter_id)
    if not rows:
        return None
    first = rows[0]
    matter = {c: first[c] for c in MATTER_COLUMNS}
    if isinstance(matter["house_unit_ids"], str):
        matter["house_unit_ids"] = json.loads(matter["house_unit_ids"])
    matter["allow_change"] = bool(matter["allow_change"])
    place = ResidentPlace(
        resident_id=first["resident_id"],
        name=open_text(first["resident_name"]),
        household_id=first["household_id"],
        house_unit_id=first["house_unit_id"],
        building=first["unit_building"],
        unit_prefix=first["place_prefix"],
        owner_id=first["owner_id"],
    )
    entries = sorted(
        {
            r[key]
            for r in rows
            for key in ("as_resident", "as_household", "as_owner")
            if r[key] is not None
        }
    )
    return Voter(matter, place, entries)


@dataclass(frozen=True)
class Written:
    receipt: str
    ballot_no: int
    event_id: int


BALLOT_COLUMNS = "matter, roll_entry, choice, approvals, channel, changes, receipt, cast_at"
EVENT_COLUMNS = (
    "matter, roll_entry, ballot_no, choice, approvals, channel, cast_by_kind, cast_by_id,"
    " entered_by, scan_photo_id, proxy_photo_id, nonce, receipt, at"
)

PG_CAST_SQL = (
    f"WITH b AS (INSERT INTO community_ballot ({BALLOT_COLUMNS})"  # noqa: S608
    " SELECT {}::bigint, {}::bigint, {}::varchar, {}::json, {}::varchar, 0, {}::varchar,"
    " {}::timestamptz WHERE EXISTS (SELECT 1 FROM community_matter"
    " WHERE id = {}::bigint AND phase = 'voting')"
    " ON CONFLICT DO NOTHING RETURNING matter, roll_entry),"
    f" e AS (INSERT INTO community_ballot_event ({EVENT_COLUMNS})"
    " SELECT b.matter, b.roll_entry, 1, {}::varchar, {}::json, {}::varchar, {}::varchar,"
    " {}::bigint, {}::integer, {}::bigint, {}::bigint, {}::varchar, {}::varchar,"
    " {}::timestamptz FROM b RETURNING id, matter),"
    " p AS (INSERT INTO community_chain_pending (matter, event) SELECT matter, id FROM e"
    " RETURNING event)"
    " SELECT (SELECT event FROM p) AS id, EXISTS (SELECT 1 FROM community_matter"
    " WHERE id = {}::bigint AND phase = 'voting') AS open"
)


async def _event_row(values: tuple[Any, ...]) -> int:
    rows = await Ballot.raw(
        f"INSERT INTO community_ballot_event ({EVENT_COLUMNS})"  # noqa: S608
        " VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) RETURNING id",
        *values,
    )
    event_id = int(rows[0]["id"])
    await ChainPending.raw(
        "INSERT INTO community_chain_pending (matter, event) VALUES ({}, {})", values[0], event_id
    )
    return event_id


async def write_ballot(
    matter: dict[str, Any],
    entry_id: int,
    choice: Choice | None,
    approvals: list[int],
    channel: BallotChannel,
    cast_by: tuple[str, int],
    now: datetime,
    *,
    entered_by: int | None = None,
    scan: int | None = None,
    proxy: int | None = None,
) -> Written:
    """The current ballot, its event and its place in the sealing queue (caller's
    transaction, under the phase gate)."""
    matter_id = matter["id"]
    event: dict[str, Any] = {
        "matter": matter_id,
        "roll_entry": entry_id,
        "choice": None if choice is None else str(choice),
        "approvals": approvals,
        "channel": str(channel),
        "nonce": secrets.token_hex(16),
    }
    receipt = chain.receipt_of(event)
    approvals_json = json.dumps(approvals)
    tail = (
        str(channel),
        cast_by[0],
        cast_by[1],
        entered_by,
        scan,
        proxy,
        event["nonce"],
        receipt,
        now,
    )
    if chain.is_postgres():
        rows = await Ballot.raw(
            PG_CAST_SQL,
            matter_id,
            entry_id,
            event["choice"],
            approvals_json,
            str(channel),
            receipt,
            now,
            matter_id,
            event["choice"],
            approvals_json,
            *tail,
            matter_id,
        )
        if not rows[0]["open"]:
            opens, closes = matter["voting_opens_at"], matter["voting_closes_at"]
            raise DomainError(
                ErrorCode.VOTING_NOT_OPEN,
                opens_at=opens.isoformat() if opens else "-",
                closes_at=closes.isoformat() if closes else "-",
            )
        if rows[0]["id"] is not None:
            return Written(receipt, 1, int(rows[0]["id"]))
    else:
        inserted = await Ballot.raw(
            f"INSERT INTO community_ballot ({BALLOT_COLUMNS})"  # noqa: S608
            " VALUES ({}, {}, {}, {}, {}, 0, {}, {}) ON CONFLICT DO NOTHING RETURNING id",
            matter_id,
            entry_id,
            event["choice"],
            approvals_json,
            str(channel),
            receipt,
            now,
        )
        if inserted:
            values = (matter_id, entry_id, 1, event["choice"], approvals_json, *tail)
            return Written(receipt, 1, await _event_row(values))
    if not matter["allow_change"]:
        raise DomainError(ErrorCode.BALLOT_ALREADY_CAST)
    changed = (
        await Ballot.update(
            {
                Ballot.choice: event["choice"],
                Ballot.approvals: approvals,
                Ballot.channel: channel,
                Ballot.receipt: receipt,
                Ballot.cast_at: now,
                Ballot.changes: Ballot.changes + 1,
            }
        )
        .where((Ballot.matter == matter_id) & (Ballot.roll_entry == entry_id))
        .returning(Ballot.changes)
    )
    ballot_no = changed[0]["changes"] + 1
    values = (matter_id, entry_id, ballot_no, event["choice"], approvals_json, *tail)
    return Written(receipt, ballot_no, await _event_row(values))
