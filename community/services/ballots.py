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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend import clock
from backend.config import Settings
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, not_found
from community.phases import Phase
from community.rules import Choice
from community.services import chain
from community.services.access import access_matter, visible_to_resident
from community.services.attachments import link, photo_id
from community.services.ballot_store import Voter, voter_of, write_ballot
from community.tables import (
    Ballot,
    BallotChannel,
    Candidate,
    MatterKind,
    RollEntry,
)
from grid.actors import Actor, authorize
from grid.permissions import Action
from media.tables import OwnerKind, Purpose


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


async def _voter(actor: Actor, matter_id: int) -> Voter:
    """The matter as this resident may see it, with the roll entries they may cast."""
    voter = await voter_of(matter_id, actor.id)
    if voter is None or not visible_to_resident(voter.matter, voter.place):
        raise not_found("matter", matter_id)
    return voter


async def cast_ballot(
    actor: Actor,
    matter_id: int,
    choice: Choice | str | None = None,
    approvals: Iterable[int] = (),
    *,
    entry_id: int | None = None,
) -> Receipt:
    """A resident votes (owners' matters: as the owner recorded on their house unit).

    Everything happens behind the matter's phase gate, so what is checked (phase, window,
    roll) is what holds when the ballot is written.
    """
    if actor.kind != "resident":
        raise DomainError(ErrorCode.FORBIDDEN, action="ballot.cast")
    async with write_transaction():
        voter = await _voter(actor, matter_id)
        matter = voter.matter
        now = clock.now()
        check_open(matter, now)
        picked, names = await _valid_choice(matter, choice, approvals)
        if not voter.entries:
            kind = matter["kind"]
            reason = "not an owner" if kind != MatterKind.opinion_poll else "not on the roll"
            raise DomainError(ErrorCode.VOTER_NOT_ELIGIBLE, reason=reason)
        if entry_id is None and len(voter.entries) > 1:
            raise DomainError(ErrorCode.VOTER_AMBIGUOUS, entries=",".join(map(str, voter.entries)))
        entry = entry_id if entry_id is not None else voter.entries[0]
        if entry not in voter.entries:
            raise DomainError(ErrorCode.VOTER_NOT_ELIGIBLE, reason="not this roll entry")
        written = await write_ballot(
            matter, entry, picked, names, BallotChannel.online, ("resident", actor.id), now
        )
        await chain.seal_now_and_then(matter_id, written.event_id)
    return Receipt(
        matter_id, written.receipt, picked, names, BallotChannel.online, written.ballot_no, now
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
    settings: Settings | None = None,
) -> Receipt:
    """Staff enter a paper ballot (with its scan) or a proxy's (with the authorization);
    both photos are linked to the ballot event in media (only staff of the matter see them)."""
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
    async with write_transaction():
        await chain.gate(matter_id)
        current, _ = await access_matter(actor, matter_id)
        now = clock.now()
        check_open(current, now)
        written = await write_ballot(
            current,
            entry_id,
            picked,
            names,
            channel,
            ("staff", actor.id),
            now,
            entered_by=actor.id,
            scan=scan,
            proxy=proxy,
        )
        await link(actor, (scan, proxy), OwnerKind.ballot, written.event_id, Purpose.scan, settings)
        await chain.seal_now_and_then(matter_id, written.event_id)
    return Receipt(matter_id, written.receipt, picked, names, channel, written.ballot_no, now)


async def my_ballot(actor: Actor, matter_id: int) -> list[dict[str, Any]]:
    """A resident's current ballots on a matter (one per roll entry they may cast)."""
    if actor.kind != "resident":
        return []
    entries = (await _voter(actor, matter_id)).entries
    if not entries:
        return []
    return list(
        await Ballot.select(
            Ballot.roll_entry, Ballot.choice, Ballot.approvals, Ballot.channel, Ballot.receipt
        )
        .where((Ballot.matter == matter_id) & Ballot.roll_entry.is_in(entries))
        .output(load_json=True)
    )
