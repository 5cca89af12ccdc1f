"""Casting ballots: by residents online, and on paper or by proxy entered by staff.

One ballot per roll entry per matter is enforced by the database (UNIQUE(matter, roll_entry)
on :class:`Ballot`): the insert says ``ON CONFLICT DO NOTHING`` and an empty answer means
someone already voted — unless the matter allows changes, when the current ballot is
replaced and the change is one more event in the log. Who may cast an entry is decided by
the frozen roll's :class:`RollVoter` rows: for owners' votes the owners recorded on the house
units (a resident votes through the owner record their ID number links them to), never a
resident's own claim.

On PostgreSQL each cast holds a shared advisory lock of its matter, which closing the vote
takes exclusively: no ballot can slip in while the tally is being computed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend import clock
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, not_found
from community.phases import Phase
from community.rules import Choice
from community.services import chain
from community.services.access import access_matter
from community.services.attachments import photo_id
from community.tables import (
    Ballot,
    BallotChannel,
    BallotEvent,
    Candidate,
    ChainPending,
    Matter,
    MatterKind,
    RollEntry,
    RollVoter,
)
from grid.actors import Actor, authorize
from grid.permissions import Action


@dataclass(frozen=True)
class Receipt:
    matter_id: int
    receipt: str
    choice: Choice | None
    approvals: list[int]
    channel: BallotChannel
    ballot_no: int
    at: datetime

    @property
    def shown(self) -> str:
        return chain.shown_receipt(self.receipt)


def check_open(matter: dict[str, Any], now: datetime) -> None:
    opens, closes = matter["voting_opens_at"], matter["voting_closes_at"]
    if matter["phase"] != Phase.voting or opens is None or not opens <= now < closes:
        raise DomainError(
            ErrorCode.VOTING_NOT_OPEN,
            opens_at=opens.isoformat() if opens else "-",
            closes_at=closes.isoformat() if closes else "-",
        )


async def _valid_choice(
    matter: dict[str, Any], choice: Choice | str | None, approvals: Iterable[int]
) -> tuple[Choice | None, list[int]]:
    picked = sorted(set(approvals))
    if matter["kind"] == MatterKind.committee_election:
        if choice is not None:
            raise DomainError(ErrorCode.BALLOT_INVALID, reason="an election ballot approves names")
        known = {
            r["id"]
            for r in await Candidate.select(Candidate.id).where(Candidate.matter == matter["id"])
        }
        if not set(picked) <= known:
            raise DomainError(ErrorCode.BALLOT_INVALID, reason="unknown candidate")
        if len(picked) > matter["seats"]:
            raise DomainError(ErrorCode.BALLOT_INVALID, reason=f"at most {matter['seats']} names")
        return None, picked
    if picked:
        raise DomainError(ErrorCode.BALLOT_INVALID, reason="only elections approve names")
    try:
        return Choice(choice or ""), []
    except ValueError:
        raise DomainError(ErrorCode.BALLOT_INVALID, reason="agree, disagree or abstain") from None


async def _entries_of_resident(actor: Actor, matter: dict[str, Any], place: Any) -> list[int]:
    condition = (RollVoter.voter_kind == "resident") & (RollVoter.voter_id == place.resident_id)
    condition = condition | (
        (RollVoter.voter_kind == "household") & (RollVoter.voter_id == place.household_id)
    )
    if place.owner_id is not None:
        condition = condition | (
            (RollVoter.voter_kind == "owner") & (RollVoter.voter_id == place.owner_id)
        )
    rows = await RollVoter.select(RollVoter.roll_entry).where(
        (RollVoter.matter == matter["id"]) & condition
    )
    return sorted({r["roll_entry"] for r in rows})


async def cast_ballot(
    actor: Actor,
    matter_id: int,
    choice: Choice | str | None = None,
    approvals: Iterable[int] = (),
    *,
    entry_id: int | None = None,
) -> Receipt:
    """A resident votes (owners' matters: as the owner recorded on their house unit)."""
    if actor.kind != "resident":
        raise DomainError(ErrorCode.FORBIDDEN, action="ballot.cast")
    matter, place = await access_matter(actor, matter_id)
    check_open(matter, clock.now())
    picked, names = await _valid_choice(matter, choice, approvals)
    entries = await _entries_of_resident(actor, matter, place)
    if not entries:
        reason = "not an owner" if matter["kind"] != MatterKind.opinion_poll else "not on roll"
        raise DomainError(ErrorCode.VOTER_NOT_ELIGIBLE, reason=reason)
    if entry_id is None and len(entries) > 1:
        raise DomainError(ErrorCode.VOTER_AMBIGUOUS, entries=",".join(map(str, entries)))
    entry = entry_id if entry_id is not None else entries[0]
    if entry not in entries:
        raise DomainError(ErrorCode.VOTER_NOT_ELIGIBLE, reason="not this roll entry")
    return await record_ballot(
        matter, entry, picked, names, BallotChannel.online, ("resident", actor.id)
    )


async def enter_paper_ballot(
    actor: Actor,
    matter_id: int,
    entry_id: int,
    choice: Choice | str | None = None,
    approvals: Iterable[int] = (),
    *,
    channel: BallotChannel = BallotChannel.paper,
    scan_photo_id: int | None = None,
    proxy_photo_id: int | None = None,
) -> Receipt:
    """Staff enter a paper ballot (with its scan) or a proxy's (with the authorization)."""
    matter, _ = await access_matter(actor, matter_id)
    authorize(
        actor,
        Action.ballot_enter,
        matter["unit_prefix"],
        read=Action.matter_read,
        kind="matter",
        ident=matter_id,
    )
    if channel is BallotChannel.online:
        raise DomainError(ErrorCode.BALLOT_INVALID, reason="staff enter paper or proxy ballots")
    scan = photo_id(scan_photo_id, "scan_photo_id", required=channel is BallotChannel.paper)
    proxy = photo_id(proxy_photo_id, "proxy_photo_id", required=channel is BallotChannel.proxy)
    check_open(matter, clock.now())
    picked, names = await _valid_choice(matter, choice, approvals)
    if not await RollEntry.exists().where(
        (RollEntry.id == entry_id) & (RollEntry.matter == matter_id)
    ):
        raise not_found("roll_entry", entry_id)
    return await record_ballot(
        matter,
        entry_id,
        picked,
        names,
        channel,
        ("staff", actor.id),
        entered_by=actor.id,
        scan=scan,
        proxy=proxy,
    )


async def record_ballot(
    matter: dict[str, Any],
    entry_id: int,
    choice: Choice | None,
    approvals: list[int],
    channel: BallotChannel,
    cast_by: tuple[str, int],
    *,
    entered_by: int | None = None,
    scan: int | None = None,
    proxy: int | None = None,
) -> Receipt:
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
    async with write_transaction():
        await chain.advisory(chain.PHASE_LOCK, matter_id, shared=True)
        now = clock.now()
        current = (
            await Matter.select(Matter.phase, Matter.voting_opens_at, Matter.voting_closes_at)
            .where(Matter.id == matter_id)
            .first()
        )
        assert current is not None
        check_open(current, now)
        values = {
            Ballot.choice: event["choice"],
            Ballot.approvals: approvals,
            Ballot.channel: channel,
            Ballot.receipt: receipt,
            Ballot.cast_at: now,
        }
        inserted = (
            await Ballot.insert(
                Ballot(
                    matter=matter_id,
                    roll_entry=entry_id,
                    **{c._meta.name: v for c, v in values.items()},
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(Ballot.id)
        )
        ballot_no = 1
        if not inserted:
            if not matter["allow_change"]:
                raise DomainError(ErrorCode.BALLOT_ALREADY_CAST)
            changed = (
                await Ballot.update({**values, Ballot.changes: Ballot.changes + 1})
                .where((Ballot.matter == matter_id) & (Ballot.roll_entry == entry_id))
                .returning(Ballot.changes)
            )
            ballot_no = changed[0]["changes"] + 1
        row = await BallotEvent.insert(
            BallotEvent(
                matter=matter_id,
                roll_entry=entry_id,
                ballot_no=ballot_no,
                choice=event["choice"],
                approvals=approvals,
                channel=channel,
                cast_by_kind=cast_by[0],
                cast_by_id=cast_by[1],
                entered_by=entered_by,
                scan_photo_id=scan,
                proxy_photo_id=proxy,
                nonce=event["nonce"],
                receipt=receipt,
                at=now,
            )
        ).returning(BallotEvent.id)
        await ChainPending.insert(ChainPending(matter=matter_id, event=row[0]["id"]))
        if await chain.advisory(chain.SEAL_LOCK, matter_id, wait=False):
            await chain.seal(matter_id)
    return Receipt(matter_id, receipt, choice, approvals, channel, ballot_no, now)


async def my_ballot(actor: Actor, matter_id: int) -> list[dict[str, Any]]:
    """A resident's current ballots on a matter (one per roll entry they may cast)."""
    matter, place = await access_matter(actor, matter_id)
    if place is None:
        return []
    entries = await _entries_of_resident(actor, matter, place)
    if not entries:
        return []
    return list(
        await Ballot.select(
            Ballot.roll_entry, Ballot.choice, Ballot.approvals, Ballot.channel, Ballot.receipt
        )
        .where((Ballot.matter == matter_id) & Ballot.roll_entry.is_in(entries))
        .output(load_json=True)
    )
