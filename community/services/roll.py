"""The roll (选民名册): built from the scope and frozen when voting opens.

Owners' decisions and elections count owners by the rules of :func:`community.rules.owners_roll`
from the house units' own owner records (never from what a resident claims); opinion polls
count residents or households. Every house unit in an owners' scope must have an owner and an
area before voting can open: a missing one would silently change both totals.

The public roll shows each entry masked (``3栋2单元**1``) with its weight, and the totals
(count and area), as the notices on a building's door do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend import clock
from backend.db import get_engine, write_transaction
from backend.errors import DomainError, ErrorCode
from community.phases import PhaseAction
from community.rules import Holding, RollLine, VoterKind, centi_to_m2, owners_roll
from community.services import notify
from community.services.access import MANAGE, READ, access_matter, load_matter, scope_condition
from community.services.chain import is_postgres
from community.services.matters import get_matter, move, notice_ends_at
from community.tables import Matter as MatterTable
from community.tables import MatterKind, PollUnit, RollEntry, RollVoter
from grid.actors import Actor
from grid.services.house_units import house_label
from grid.tables import HouseUnit, OwnerKind, Ownership, Resident

CHUNK = 1000
MASK = "*"


def masked_label(building: str, entrance: str, room: str) -> str:
    """3 / 2 / 501 → 3栋2单元**1: enough for owners to find their own line, not to read
    their neighbours' doors off a public list."""
    masked_room = MASK * max(len(room) - 1, 1) + room[-1:] if room else MASK
    return house_label(building, entrance, masked_room)


def _entry_label(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{labels[0]} 等{len(labels)}套"


async def _units(matter: dict[str, Any]) -> list[dict[str, Any]]:
    return list(
        await HouseUnit.select(
            HouseUnit.id,
            HouseUnit.building,
            HouseUnit.entrance,
            HouseUnit.room,
            HouseUnit.unit_prefix,
            HouseUnit.exclusive_area_centi,
        )
        .where(scope_condition(matter))
        .order_by(HouseUnit.id)
    )


async def _owner_lines(units: list[dict[str, Any]]) -> list[RollLine]:
    owners: dict[int, list[tuple[int, str]]] = {u["id"]: [] for u in units}
    ids = list(owners)
    for start in range(0, len(ids), CHUNK):
        rows = await Ownership.select(
            Ownership.house_unit, Ownership.owner, Ownership.owner.kind.as_alias("kind")
        ).where(Ownership.house_unit.is_in(ids[start : start + CHUNK]))
        for r in rows:
            owners[r["house_unit"]].append((r["owner"], r["kind"]))
    missing = [u for u in units if not owners[u["id"]] or u["exclusive_area_centi"] <= 0]
    if missing:
        examples = "、".join(house_label(u["building"], u["entrance"], u["room"]) for u in missing)
        raise DomainError(ErrorCode.ROLL_INCOMPLETE, count=len(missing), examples=examples[:200])
    return owners_roll(
        Holding(
            house_unit_id=u["id"],
            area_centi=u["exclusive_area_centi"],
            owner_ids=tuple(o for o, _ in owners[u["id"]]),
            developer_ids=frozenset(o for o, k in owners[u["id"]] if k == OwnerKind.developer),
        )
        for u in units
    )


async def _poll_lines(
    matter: dict[str, Any], units: list[dict[str, Any]]
) -> list[tuple[RollLine, list[tuple[str, int]]]]:
    unit_ids = [u["id"] for u in units]
    rows: list[dict[str, Any]] = []
    for start in range(0, len(unit_ids), CHUNK):
        rows += await Resident.select(
            Resident.id,
            Resident.household.id.as_alias("household"),
            Resident.household.house_unit.id.as_alias("house_unit"),
        ).where(Resident.household.house_unit.is_in(unit_ids[start : start + CHUNK]))
    per_household = matter["poll_unit"] == PollUnit.household
    out: dict[str, tuple[RollLine, list[tuple[str, int]]]] = {}
    for r in sorted(rows, key=lambda r: r["id"]):
        if per_household:
            key, kind, voter = f"household:{r['household']}", VoterKind.household, r["household"]
        else:
            key, kind, voter = f"resident:{r['id']}", VoterKind.resident, r["id"]
        if key not in out:
            line = RollLine(key, kind, (), (r["house_unit"],), 0)
            out[key] = (line, [(kind.value, voter)])
    return list(out.values())


async def _insert_roll(
    matter: dict[str, Any],
    units: list[dict[str, Any]],
    lines: list[tuple[RollLine, list[tuple[str, int]]]],
) -> None:
    by_id = {u["id"]: u for u in units}
    entries = []
    for line, _ in lines:
        members = [by_id[i] for i in line.house_unit_ids]
        labels = [masked_label(u["building"], u["entrance"], u["room"]) for u in members]
        entries.append(
            RollEntry(
                matter=matter["id"],
                voter_key=line.voter_key,
                headcount_key=line.headcount_key,
                kind=line.kind,
                weight_centi=line.weight_centi,
                house_unit_ids=list(line.house_unit_ids),
                owner_ids=list(line.owner_ids),
                label=_entry_label(labels),
                unit_prefix=members[0]["unit_prefix"],
            )
        )
    ids: dict[str, int] = {}
    for start in range(0, len(entries), CHUNK):
        rows = await RollEntry.insert(*entries[start : start + CHUNK]).returning(
            RollEntry.id, RollEntry.voter_key
        )
        ids.update({r["voter_key"]: r["id"] for r in rows})
    voters = [
        RollVoter(matter=matter["id"], roll_entry=ids[line.voter_key], voter_kind=k, voter_id=v)
        for line, who in lines
        for k, v in who
    ]
    for start in range(0, len(voters), CHUNK):
        await RollVoter.insert(*voters[start : start + CHUNK])


async def freeze_roll(matter: dict[str, Any]) -> tuple[int, int]:
    """Write the roll of ``matter`` (inside the caller's transaction); returns the totals."""
    units = await _units(matter)
    lines: list[tuple[RollLine, list[tuple[str, int]]]]
    if matter["kind"] == MatterKind.opinion_poll:
        lines = await _poll_lines(matter, units)
    else:
        lines = [
            (line, [("owner", o) for o in line.owner_ids]) for line in await _owner_lines(units)
        ]
    if not lines:
        raise DomainError(ErrorCode.ROLL_INCOMPLETE, count=0, examples="-")
    await _insert_roll(matter, units, lines)
    return len(lines), sum(line.weight_centi for line, _ in lines)


async def open_voting(
    actor: Actor, matter_id: int, closes_at: datetime, reason: str = ""
) -> dict[str, Any]:
    """Voting opens now, after the notice period, until ``closes_at``; the roll is frozen."""
    await access_matter(actor, matter_id, MANAGE)
    now = clock.now()
    if closes_at.tzinfo is None:
        raise DomainError(ErrorCode.MATTER_WINDOW_INVALID, reason="closes_at needs a time zone")
    if closes_at <= now:
        raise DomainError(ErrorCode.MATTER_WINDOW_INVALID, reason="closes_at is in the past")
    async with write_transaction():
        current = await load_matter(matter_id)
        assert current is not None
        notice_end = await notice_ends_at(current)
        if notice_end is not None and now < notice_end:
            raise DomainError(
                ErrorCode.MATTER_WINDOW_INVALID,
                reason=f"the notice period runs until {notice_end.isoformat()}",
            )
        await move(
            actor,
            matter_id,
            PhaseAction.open_voting,
            reason,
            {MatterTable.voting_opens_at: now, MatterTable.voting_closes_at: closes_at},
        )
        count, area = await freeze_roll(current)
        await MatterTable.update(
            {
                MatterTable.roll_frozen_at: now,
                MatterTable.roll_count: count,
                MatterTable.roll_area_centi: area,
            }
        ).where(MatterTable.id == matter_id)
        await notify.voting_opens(current, closes_at)
    await refresh_statistics()
    return await get_matter(actor, matter_id)


async def refresh_statistics() -> None:
    """PostgreSQL: let the planner see the roll just written (thousands of rows a moment ago
    unknown to it), so each ballot's roll lookup is an index probe, not a scan of the roll."""
    if is_postgres():
        for table in ("community_roll_voter", "community_roll_entry"):
            await get_engine().run_ddl(f"ANALYZE {table}")


async def roll_entries(
    actor: Actor, matter_id: int, *, offset: int = 0, limit: int = 100
) -> dict[str, Any]:
    """The public roll: totals, then masked entries with their weight."""
    matter, _ = await access_matter(actor, matter_id, READ)
    rows = (
        await RollEntry.select(
            RollEntry.id, RollEntry.label, RollEntry.kind, RollEntry.weight_centi
        )
        .where(RollEntry.matter == matter_id)
        .order_by(RollEntry.id)
        .offset(offset)
        .limit(limit)
    )
    return {
        "frozen_at": matter["roll_frozen_at"],
        "total_count": matter["roll_count"],
        "total_area": centi_to_m2(matter["roll_area_centi"]),
        "entries": [
            {
                "id": r["id"],
                "label": r["label"],
                "kind": r["kind"],
                "weight": centi_to_m2(r["weight_centi"]),
            }
            for r in rows
        ],
    }
