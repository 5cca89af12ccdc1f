"""Notifications of a matter, written to the outbox (the same one Cases uses) in the
transaction that causes them; delivery to each resident's channels happens after commit.

Who is told:

* notice published — everyone the matter concerns: for a poll the residents in scope, for
  owners' decisions and elections the residents linked to the owners of units in scope;
* voting opens, result published — the residents behind every roll entry;
* closing in 24 h — the residents behind roll entries that have not voted yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from backend import clock
from community.services.access import residents_in_scope, scope_condition
from community.tables import Ballot, MatterKind, RollVoter
from grid.cases.tables import Outbox, RecipientKind
from grid.tables import HouseUnit, Ownership, Resident

NOTICE_PUBLISHED = "community.notice_published"
VOTING_OPENS = "community.voting_opens"
CLOSING_SOON = "community.closing_soon"
RESULT_PUBLISHED = "community.result_published"

CHUNK = 1000


async def _write(
    kind: str, matter: dict[str, Any], resident_ids: Iterable[int], **extra: Any
) -> int:
    ids = sorted(set(resident_ids))
    payload = {"matter_id": matter["id"], "title": matter["title"], **extra}
    now = clock.now()
    for start in range(0, len(ids), CHUNK):
        await Outbox.insert(
            *[
                Outbox(
                    kind=kind,
                    recipient_kind=RecipientKind.resident,
                    recipient_id=str(i),
                    payload=payload,
                    created_at=now,
                )
                for i in ids[start : start + CHUNK]
            ]
        )
    return len(ids)


async def _owner_residents(matter: dict[str, Any]) -> list[int]:
    units = HouseUnit.select(HouseUnit.id).where(scope_condition(matter))
    owners = Ownership.select(Ownership.owner).where(Ownership.house_unit.is_in(units))
    rows = await Resident.select(Resident.id).where(Resident.owner.is_in(owners))
    return [r["id"] for r in rows]


async def roll_residents(matter_id: int, *, only_without_ballot: bool = False) -> list[int]:
    """The residents behind the frozen roll's entries (optionally: entries not yet voted)."""
    query = RollVoter.select(RollVoter.voter_kind, RollVoter.voter_id).where(
        RollVoter.matter == matter_id
    )
    if only_without_ballot:
        voted = Ballot.select(Ballot.roll_entry).where(Ballot.matter == matter_id)
        query = query.where(RollVoter.roll_entry.not_in(voted))
    by_kind: dict[str, list[int]] = {}
    for row in await query:
        by_kind.setdefault(row["voter_kind"], []).append(row["voter_id"])
    out: set[int] = set(by_kind.get("resident", []))
    if by_kind.get("owner"):
        out |= {
            r["id"]
            for r in await Resident.select(Resident.id).where(
                Resident.owner.is_in(by_kind["owner"])
            )
        }
    if by_kind.get("household"):
        out |= {
            r["id"]
            for r in await Resident.select(Resident.id).where(
                Resident.household.is_in(by_kind["household"])
            )
        }
    return sorted(out)


async def notice_published(matter: dict[str, Any]) -> int:
    if matter["kind"] == MatterKind.opinion_poll:
        residents = await residents_in_scope(matter)
    else:
        residents = await _owner_residents(matter)
    return await _write(NOTICE_PUBLISHED, matter, residents)


async def voting_opens(matter: dict[str, Any], closes_at: Any) -> int:
    return await _write(
        VOTING_OPENS, matter, await roll_residents(matter["id"]), closes_at=closes_at.isoformat()
    )


async def closing_soon(matter: dict[str, Any]) -> int:
    residents = await roll_residents(matter["id"], only_without_ballot=True)
    return await _write(
        CLOSING_SOON, matter, residents, closes_at=matter["voting_closes_at"].isoformat()
    )


async def result_published(matter: dict[str, Any], passed: bool | None) -> int:
    return await _write(RESULT_PUBLISHED, matter, await roll_residents(matter["id"]), passed=passed)
