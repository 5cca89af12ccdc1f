"""Matters (议题): create, revise with every version kept, and move through their phases.

Every move writes a :class:`PhaseEvent` (who, when, from → to, why) in the transaction that
makes it, and the notifications it causes go to the outbox in the same transaction. Opening
the vote (which freezes the roll) lives in :mod:`community.services.roll`, closing it (which
tallies) in :mod:`community.services.tally`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from backend import clock
from backend.config import Settings
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, invalid, not_found
from community.phases import Phase, PhaseAction, transition
from community.rules import Art278Item
from community.services import notify
from community.services.access import MANAGE, READ, access_matter, actor_fields
from community.services.attachments import link, photo_ids
from community.tables import (
    Candidate,
    Matter,
    MatterKind,
    MatterVersion,
    PhaseEvent,
    PollUnit,
    ScopeKind,
)
from grid.actors import Actor, authorize
from grid.permissions import Action
from grid.tables import HouseUnit, Level, OrgUnit
from media.tables import OwnerKind, Purpose

TITLE_MAX = 200
BODY_MAX = 50_000
NOTE_MAX = 2_000
MAX_SEATS = 50
MAX_NOTICE_DAYS = 60

SCOPE_LEVELS = {
    ScopeKind.community: {Level.community},
    ScopeKind.micro_grid: {Level.micro_grid},
    ScopeKind.building: {Level.micro_grid},
}


@dataclass(frozen=True)
class MatterDraft:
    title: str
    body: str
    kind: MatterKind
    scope_kind: ScopeKind
    unit_id: int
    building: str = ""
    house_unit_ids: list[int] = field(default_factory=list)
    poll_unit: PollUnit | None = None
    art278_item: int | None = None
    seats: int | None = None
    candidates: list[str] = field(default_factory=list)
    allow_change: bool = False
    notice_days: int = 7
    attachment_ids: list[int] = field(default_factory=list)


def text(value: str, name: str, max_length: int, *, required: bool = True) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise invalid(name, "required")
    if len(cleaned) > max_length:
        raise invalid(name, f"at most {max_length} characters")
    return cleaned


def _kind_fields(draft: MatterDraft) -> dict[Any, Any]:
    if draft.kind is MatterKind.opinion_poll:
        if draft.poll_unit is None:
            raise invalid("poll_unit", "an opinion poll counts per resident or per household")
        return {Matter.poll_unit: draft.poll_unit}
    if draft.kind is MatterKind.owners_decision:
        try:
            item = Art278Item(draft.art278_item or 0)
        except ValueError:
            raise invalid("art278_item", "Civil Code art. 278 items are 1–9") from None
        return {Matter.art278_item: int(item)}
    seats = draft.seats or 0
    if not 1 <= seats <= MAX_SEATS:
        raise invalid("seats", f"1–{MAX_SEATS}")
    names = [text(n, "candidates", 100) for n in draft.candidates]
    if len(names) < seats or len(set(names)) != len(names):
        raise invalid("candidates", "distinct names, at least as many as the seats")
    return {Matter.seats: seats, Matter.art278_item: int(Art278Item.committee)}


async def _scope(actor: Actor, draft: MatterDraft) -> dict[Any, Any]:
    unit = await OrgUnit.select().where(OrgUnit.id == draft.unit_id).first()
    if unit is None:
        raise not_found("unit", draft.unit_id)
    authorize(actor, MANAGE, unit["prefix"], read=READ, kind="unit", ident=draft.unit_id)
    levels = SCOPE_LEVELS.get(draft.scope_kind)
    if levels is not None and unit["level"] not in levels:
        raise invalid("unit_id", f"a {draft.scope_kind} scope needs a unit of level {levels}")
    building = ""
    ids: list[int] = []
    if draft.scope_kind is ScopeKind.building:
        building = text(draft.building, "building", 32)
        if not await HouseUnit.exists().where(
            (HouseUnit.micro_grid == unit["id"]) & (HouseUnit.building == building)
        ):
            raise invalid("building", "no house unit of this building in the micro-grid")
    elif draft.scope_kind is ScopeKind.house_units:
        ids = sorted(set(draft.house_unit_ids))
        if not ids:
            raise invalid("house_unit_ids", "required")
        found = await HouseUnit.count().where(
            HouseUnit.id.is_in(ids) & HouseUnit.unit_prefix.like(unit["prefix"] + "%")
        )
        if found != len(ids):
            raise invalid("house_unit_ids", "every house unit must lie in the unit")
    return {
        Matter.unit: unit["id"],
        Matter.unit_prefix: unit["prefix"],
        Matter.building: building,
        Matter.house_unit_ids: ids,
    }


async def create_matter(
    actor: Actor, draft: MatterDraft, *, settings: Settings | None = None
) -> dict[str, Any]:
    """A draft matter with its first text version (and candidates for an election); its
    attachments are linked to it in media (``settings``: the door's, for media's limits)."""
    title = text(draft.title, "title", TITLE_MAX)
    body = text(draft.body, "body", BODY_MAX)
    if not 0 <= draft.notice_days <= MAX_NOTICE_DAYS:
        raise invalid("notice_days", f"0–{MAX_NOTICE_DAYS}")
    values = {
        Matter.title: title,
        Matter.kind: draft.kind,
        Matter.scope_kind: draft.scope_kind,
        Matter.allow_change: draft.allow_change,
        Matter.notice_days: draft.notice_days,
        **_kind_fields(draft),
        **(await _scope(actor, draft)),
    }
    attachments = photo_ids(draft.attachment_ids)
    now = clock.now()
    async with write_transaction():
        row = await Matter.insert(
            Matter(
                **{c._meta.name: v for c, v in values.items()},
                created_by=actor.id if actor.kind == "staff" else None,
                created_at=now,
                updated_at=now,
            )
        ).returning(Matter.id)
        matter_id = row[0]["id"]
        await MatterVersion.insert(
            MatterVersion(
                matter=matter_id,
                number=1,
                title=title,
                body=body,
                attachment_ids=attachments,
                author=actor.id if actor.kind == "staff" else None,
                created_at=now,
            )
        )
        if draft.kind is MatterKind.committee_election:
            await Candidate.insert(
                *[
                    Candidate(matter=matter_id, name=name.strip(), position=i)
                    for i, name in enumerate(draft.candidates)
                ]
            )
        await link(
            actor, attachments, OwnerKind.consultation, matter_id, Purpose.attachment, settings
        )
        await record_move(actor, matter_id, None, Phase.draft, PhaseAction.create, "")
    return await get_matter(actor, matter_id)


async def revise_matter(
    actor: Actor,
    matter_id: int,
    *,
    title: str,
    body: str,
    change_note: str,
    attachment_ids: list[int] | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """A new text version; the old ones stay readable (draft and discussion only)."""
    matter, _ = await access_matter(actor, matter_id, MANAGE)
    title = text(title, "title", TITLE_MAX)
    body = text(body, "body", BODY_MAX)
    note = text(change_note, "change_note", NOTE_MAX, required=matter["phase"] != Phase.draft)
    attachments = photo_ids(attachment_ids)
    async with write_transaction():
        current = (
            await Matter.select(Matter.phase, Matter.version).where(Matter.id == matter_id).first()
        )
        assert current is not None
        transition(current["phase"], PhaseAction.revise)
        number = current["version"] + 1
        await MatterVersion.insert(
            MatterVersion(
                matter=matter_id,
                number=number,
                title=title,
                body=body,
                change_note=note,
                attachment_ids=attachments,
                author=actor.id if actor.kind == "staff" else None,
                created_at=clock.now(),
            )
        )
        await Matter.update(
            {Matter.version: number, Matter.title: title, Matter.updated_at: clock.now()}
        ).where(Matter.id == matter_id)
        await link(
            actor, attachments, OwnerKind.consultation, matter_id, Purpose.attachment, settings
        )
        await record_move(
            actor, matter_id, current["phase"], current["phase"], PhaseAction.revise, note
        )
    return await get_matter(actor, matter_id)


async def record_move(
    actor: Actor,
    matter_id: int,
    from_phase: Phase | str | None,
    to_phase: Phase | str,
    action: PhaseAction,
    reason: str,
) -> None:
    await PhaseEvent.insert(
        PhaseEvent(
            matter=matter_id,
            action=action,
            from_phase=from_phase,
            to_phase=to_phase,
            reason=reason,
            at=clock.now(),
            **actor_fields(actor),
        )
    )


async def move(
    actor: Actor,
    matter_id: int,
    action: PhaseAction,
    reason: str,
    extra: dict[Any, Any] | None = None,
) -> tuple[Phase, Phase]:
    """Apply ``action`` inside the caller's transaction: re-read, check, update, record."""
    current = await Matter.select(Matter.phase).where(Matter.id == matter_id).first()
    if current is None:
        raise not_found("matter", matter_id)
    old = Phase(current["phase"])
    new = transition(old, action)
    await Matter.update({Matter.phase: new, Matter.updated_at: clock.now(), **(extra or {})}).where(
        Matter.id == matter_id
    )
    await record_move(actor, matter_id, old, new, action, reason)
    return old, new


async def publish_matter(actor: Actor, matter_id: int, reason: str = "") -> dict[str, Any]:
    """The notice (公示) starts; residents in scope are told."""
    matter, _ = await access_matter(actor, matter_id, MANAGE)
    async with write_transaction():
        await move(actor, matter_id, PhaseAction.publish, reason)
        await notify.notice_published(matter)
    return await get_matter(actor, matter_id)


async def open_discussion(actor: Actor, matter_id: int, reason: str = "") -> dict[str, Any]:
    await access_matter(actor, matter_id, MANAGE)
    async with write_transaction():
        await move(actor, matter_id, PhaseAction.open_discussion, reason)
    return await get_matter(actor, matter_id)


async def withdraw_matter(actor: Actor, matter_id: int, reason: str) -> dict[str, Any]:
    await access_matter(actor, matter_id, MANAGE)
    why = text(reason, "reason", NOTE_MAX)
    async with write_transaction():
        await move(actor, matter_id, PhaseAction.withdraw, why)
    return await get_matter(actor, matter_id)


async def notice_ends_at(matter: dict[str, Any]) -> Any:
    """When the notice period ends: ``notice_days`` after the matter was published."""
    published = (
        await PhaseEvent.select(PhaseEvent.at)
        .where((PhaseEvent.matter == matter["id"]) & (PhaseEvent.action == PhaseAction.publish))
        .first()
    )
    if published is None:
        return None
    return published["at"] + timedelta(days=matter["notice_days"])


async def get_matter(actor: Actor, matter_id: int) -> dict[str, Any]:
    """The matter with its current text, candidates and phase history."""
    matter, _ = await access_matter(actor, matter_id, READ)
    version = (
        await MatterVersion.select()
        .where((MatterVersion.matter == matter_id) & (MatterVersion.number == matter["version"]))
        .first()
    )
    assert version is not None
    candidates = (
        await Candidate.select(Candidate.id, Candidate.name, Candidate.intro)
        .where(Candidate.matter == matter_id)
        .order_by(Candidate.position)
    )
    history = (
        await PhaseEvent.select().where(PhaseEvent.matter == matter_id).order_by(PhaseEvent.id)
    )
    return {
        **matter,
        "body": version["body"],
        "attachment_ids": version["attachment_ids"],
        "candidates": candidates,
        "history": history,
    }


async def list_versions(actor: Actor, matter_id: int) -> list[dict[str, Any]]:
    await access_matter(actor, matter_id, READ)
    return list(
        await MatterVersion.select()
        .where(MatterVersion.matter == matter_id)
        .order_by(MatterVersion.number)
    )


async def list_matters(
    actor: Actor, *, phase: Phase | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """Matters in the staff actor's scope, newest first."""
    prefixes = actor.scope_prefixes(Action.matter_read)
    if not prefixes:
        raise DomainError(ErrorCode.FORBIDDEN, action=str(Action.matter_read))
    condition: Any = Matter.unit_prefix.like(prefixes[0] + "%")
    for p in prefixes[1:]:
        condition = condition | Matter.unit_prefix.like(p + "%")
    if phase is not None:
        condition = condition & (Matter.phase == phase)
    total = await Matter.count().where(condition)
    rows = (
        await Matter.select()
        .where(condition)
        .order_by(Matter.id, ascending=False)
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total
