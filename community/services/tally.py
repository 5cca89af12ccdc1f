"""Closing the vote, the exact tally, the published result, and checks anyone can run.

Closing waits for every ballot in flight (the matter's phase lock), links the rest of the
log into the chain, verifies the whole chain and every current ballot against it — a tally
over a log that does not hold is refused — then counts with :mod:`community.rules`. The
result keeps every threshold check with its margin, and the chain's head and length.

After the result is published, the list (masked unit, weight, choice, receipt, and the
fields of each chain entry) is public to everyone who may read the matter, so any owner can
recount and re-hash it.
"""

from __future__ import annotations

from typing import Any

from backend import clock
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode
from community.phases import Phase, PhaseAction
from community.rules import (
    Cast,
    Choice,
    Totals,
    centi_to_m2,
    tally_decision,
    tally_election,
    tally_poll,
)
from community.services import chain, notify
from community.services.access import MANAGE, READ, access_matter, load_matter
from community.services.matters import get_matter, move
from community.tables import Ballot, Candidate, Matter, MatterKind, RollEntry
from grid.actors import Actor


def _checks(checks: list[Any]) -> list[dict[str, object]]:
    return [c.as_dict() for c in checks]


async def _casts(matter_id: int) -> list[Cast]:
    rows = (
        await Ballot.select(
            Ballot.choice, Ballot.approvals, Ballot.roll_entry.weight_centi.as_alias("weight")
        )
        .where(Ballot.matter == matter_id)
        .output(load_json=True)
    )
    return [
        Cast(
            r["weight"],
            Choice(r["choice"]) if r["choice"] else None,
            frozenset(int(a) for a in r["approvals"] or []),
        )
        for r in rows
    ]


async def compute_result(matter: dict[str, Any]) -> tuple[dict[str, Any], bool | None]:
    totals = Totals(matter["roll_count"], matter["roll_area_centi"])
    casts = await _casts(matter["id"])
    if matter["kind"] == MatterKind.opinion_poll:
        poll = tally_poll(totals.count, casts)
        return {
            "kind": "opinion_poll",
            "total": poll.total,
            "participating": poll.participating,
            "counts": {str(k): v for k, v in poll.counts.items()},
        }, None
    if matter["kind"] == MatterKind.owners_decision:
        decision = tally_decision(matter["art278_item"], totals, casts)
        return {
            "kind": "owners_decision",
            "item": int(decision.item),
            "total_count": totals.count,
            "total_area": str(centi_to_m2(totals.area_centi)),
            "participating_count": decision.participation.count,
            "participating_area": str(centi_to_m2(decision.participation.area_centi)),
            "counts": {str(k): v for k, v in decision.counts.items()},
            "areas": {str(k): str(centi_to_m2(v)) for k, v in decision.areas_centi.items()},
            "quorum_met": decision.quorum_met,
            "checks": _checks(decision.checks),
            "failed": decision.failed,
            "passed": decision.passed,
        }, decision.passed
    candidates = (
        await Candidate.select(Candidate.id, Candidate.name)
        .where(Candidate.matter == matter["id"])
        .order_by(Candidate.position)
    )
    names = {c["id"]: c["name"] for c in candidates}
    election = tally_election(matter["seats"], list(names), totals, casts)
    return {
        "kind": "committee_election",
        "seats": election.seats,
        "total_count": totals.count,
        "total_area": str(centi_to_m2(totals.area_centi)),
        "participating_count": election.participation.count,
        "participating_area": str(centi_to_m2(election.participation.area_centi)),
        "quorum_met": election.quorum_met,
        "quorum": _checks(election.quorum),
        "candidates": [
            {
                "id": c.candidate_id,
                "name": names[c.candidate_id],
                "count": c.count,
                "area": str(centi_to_m2(c.area_centi)),
                "qualified": c.qualified,
                "elected": c.elected,
                "tied_at_cutoff": c.tied_at_cutoff,
                "checks": _checks(c.checks),
            }
            for c in election.candidates
        ],
        "elected": election.elected,
        "passed": bool(election.elected),
    }, bool(election.elected)


async def close_voting(actor: Actor, matter_id: int, reason: str = "") -> dict[str, Any]:
    """After the window: seal the chain, verify it, tally exactly, store the result."""
    await access_matter(actor, matter_id, MANAGE)
    async with write_transaction():
        await chain.advisory(chain.PHASE_LOCK, matter_id)
        matter = await load_matter(matter_id)
        assert matter is not None
        if matter["phase"] == Phase.voting and clock.now() < matter["voting_closes_at"]:
            raise DomainError(
                ErrorCode.MATTER_WINDOW_INVALID,
                reason=f"voting runs until {matter['voting_closes_at'].isoformat()}",
            )
        await move(actor, matter_id, PhaseAction.close_voting, reason)
        await chain.advisory(chain.SEAL_LOCK, matter_id)
        await chain.seal(matter_id)
        check = await chain.verify_chain_of(matter_id)
        if not check.ok:
            raise DomainError(
                ErrorCode.CONFLICT,
                reason=f"ballot log fails verification at entry {check.first_bad_seq}: "
                f"{check.reason}",
            )
        result, passed = await compute_result(matter)
        result["chain_head"] = check.head
        result["chain_length"] = check.length
        await Matter.update(
            {
                Matter.result: result,
                Matter.passed: passed,
                Matter.chain_head: check.head,
                Matter.chain_length: check.length,
            }
        ).where(Matter.id == matter_id)
    return await get_matter(actor, matter_id)


async def publish_result(actor: Actor, matter_id: int, reason: str = "") -> dict[str, Any]:
    matter, _ = await access_matter(actor, matter_id, MANAGE)
    async with write_transaction():
        await move(actor, matter_id, PhaseAction.publish_result, reason)
        await notify.result_published(matter, matter["passed"])
    return await get_matter(actor, matter_id)


async def published_list(
    actor: Actor, matter_id: int, *, offset: int = 0, limit: int = 1000
) -> dict[str, Any]:
    """Every chain entry: masked unit, weight, choice, receipt, and what its hash covers.

    Residents see it once the result is published; staff who may read the matter see it
    from the tally on (to check it before publishing).
    """
    matter, place = await access_matter(actor, matter_id, READ)
    visible = (
        {Phase.result_published} if place is not None else {Phase.tallied, Phase.result_published}
    )
    if matter["phase"] not in visible:
        raise DomainError(ErrorCode.MATTER_PHASE_INVALID, phase=matter["phase"], action="list")
    rows = await chain.chain_rows(matter_id)
    last_seq = {r["roll_entry"]: r["seq"] for r in rows}
    page = rows[offset : offset + limit]
    entries = {
        r["id"]: r
        for r in await RollEntry.select(
            RollEntry.id, RollEntry.label, RollEntry.weight_centi
        ).where(RollEntry.id.is_in([r["roll_entry"] for r in page] or [0]))
    }
    return {
        "matter_id": matter_id,
        "chain_head": matter["chain_head"],
        "chain_length": matter["chain_length"],
        "genesis": chain.genesis(matter_id),
        "total_count": matter["roll_count"],
        "total_area": str(centi_to_m2(matter["roll_area_centi"])),
        "entries": [
            {
                "seq": r["seq"],
                "roll_entry": r["roll_entry"],
                "unit": entries[r["roll_entry"]]["label"],
                "weight": str(centi_to_m2(entries[r["roll_entry"]]["weight_centi"])),
                "choice": r["choice"],
                "approvals": r["approvals"] or [],
                "channel": r["channel"],
                "nonce": r["nonce"],
                "receipt": chain.shown_receipt(r["receipt"]),
                "counted": last_seq[r["roll_entry"]] == r["seq"],
                "prev_hash": r["prev_hash"],
                "entry_hash": r["entry_hash"],
            }
            for r in page
        ],
    }


async def verify_receipt(actor: Actor, matter_id: int, receipt: str) -> dict[str, Any]:
    """Is this receipt's ballot in the chain, and is it the one that counts?"""
    await access_matter(actor, matter_id, READ)
    code = chain.normalize_receipt(receipt)
    rows = await chain.chain_rows(matter_id)
    found = next((r for r in rows if r["receipt"] == code), None)
    if found is None:
        if await Ballot.exists().where((Ballot.matter == matter_id) & (Ballot.receipt == code)):
            return {"receipt": chain.shown_receipt(code), "recorded": True, "in_chain": False}
        raise DomainError(ErrorCode.RECEIPT_UNKNOWN, receipt=receipt)
    later = any(r["roll_entry"] == found["roll_entry"] and r["seq"] > found["seq"] for r in rows)
    bad, reason, _ = chain.verify_links(matter_id, rows)
    return {
        "receipt": chain.shown_receipt(code),
        "recorded": True,
        "in_chain": True,
        "seq": found["seq"],
        "choice": found["choice"],
        "approvals": found["approvals"] or [],
        "counted": not later,
        "entry_hash": found["entry_hash"],
        "chain_ok_through_entry": bad is None or bad > found["seq"],
        "chain_problem": reason,
    }


async def verify_chain(actor: Actor, matter_id: int) -> chain.Verification:
    await access_matter(actor, matter_id, READ)
    return await chain.verify_chain_of(matter_id)
