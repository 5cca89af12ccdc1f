"""The one way a case changes: :func:`run_move`.

Inside one write transaction it fetches the case with the scope check, works out the actor's
parties, asks the state machine, lets the action fill in its own changes, writes the case
with an optimistic version check, the history row and any outbox rows. Two people racing on
the same case: the second one's ``UPDATE … WHERE version = v`` matches nothing (PostgreSQL
re-checks the row after the first commit) and gets ``case_changed``; a client that sends the
version it showed the user gets the same answer if anything changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backend import clock
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, invalid
from grid.actors import Actor
from grid.cases.calendar import TZ
from grid.cases.deadlines import LEVEL_ZH, timing
from grid.cases.services import outbox
from grid.cases.services.access import (
    Reporter,
    Who,
    access_case,
    load_case,
    parties_for,
    refuse_not_assignee,
)
from grid.cases.services.calendar import load_calendar
from grid.cases.services.categories import get_category
from grid.cases.states import (
    NEEDS_REASON,
    ROLE_MAP,
    STATE_ZH,
    TRANSITIONS,
    WORK_ACTIONS,
    WORKERS,
    CaseAction,
    CaseState,
    Party,
    transition,
)
from grid.cases.tables import Case, CaseEvent, Channel, RecipientKind, ReporterKind
from grid.tables import Level


@dataclass
class Outcome:
    """What an action changes besides the state, and whom it tells."""

    changes: dict[Any, Any] = field(default_factory=dict)
    notes: list[outbox.Note] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    to_level: str | None = None


Build = Callable[[dict[str, Any], CaseState, datetime], Awaitable[Outcome]]


def case_number(case_id: int, created_at: datetime) -> str:
    """``YYYYMMDD-NNNNNN``: the local report date and the id (no stored number to collide)."""
    return f"{created_at.astimezone(TZ):%Y%m%d}-{case_id:06d}"


def actor_fields(who: Who) -> tuple[str, str, str]:
    if isinstance(who, Reporter):
        return str(who.kind), who.id, who.name
    return who.kind, str(who.id), who.name


async def level_clock(case: dict[str, Any], level: Level | str, start: datetime) -> dict[Any, Any]:
    """The columns of a fresh clock for ``case`` at ``level`` from ``start``."""
    category = await get_category(case["category"])
    calendar = await load_calendar()
    try:
        t = timing(calendar, category.limits, category.time_unit, level, start)
    except ValueError as exc:
        raise DomainError(ErrorCode.CASE_LEVEL_INVALID, reason=str(exc), level=str(level)) from exc
    return {
        Case.level_started_at: t.started_at,
        Case.time_unit: t.time_unit,
        Case.time_limit: t.time_limit,
        Case.warn_at: t.warn_at,
        Case.deadline_at: t.deadline_at,
        Case.sweep_at: t.sweep_at,
    }


def reporter_note(case: dict[str, Any], kind: str, text: str, **extra: Any) -> outbox.Note:
    recipient = {
        ReporterKind.staff: RecipientKind.staff,
        ReporterKind.resident: RecipientKind.resident,
    }.get(ReporterKind(case["reporter_kind"]), RecipientKind.external)
    return outbox.Note(kind, recipient, case["reporter_id"], payload(case, text, **extra))


def unit_note(
    unit_id: int, case: dict[str, Any], kind: str, text: str, **extra: Any
) -> outbox.Note:
    return outbox.Note(kind, RecipientKind.unit, str(unit_id), payload(case, text, **extra))


def payload(case: dict[str, Any], text: str, **extra: Any) -> dict[str, Any]:
    return {"number": case_number(case["id"], case["created_at"]), "text": text, **extra}


def level_text(level: str) -> str:
    return LEVEL_ZH.get(level, level)


async def save(case: dict[str, Any], changes: dict[Any, Any], now: datetime) -> None:
    """Write ``changes`` if nobody changed the case since it was read, else ``case_changed``."""
    values = {**changes, Case.version: case["version"] + 1, Case.updated_at: now}
    rows = (
        await Case.update(values)
        .where((Case.id == case["id"]) & (Case.version == case["version"]))
        .returning(Case.id)
    )
    if not rows:
        raise DomainError(ErrorCode.CASE_CHANGED, case_id=case["id"])


def event_row(
    case_id: int,
    who: Who,
    action: str,
    *,
    at: datetime,
    from_state: str | None,
    to_state: str,
    from_level: str | None,
    to_level: str | None,
    reason: str = "",
    channel: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """One history row: who, when, what, from → to (state and level), why, which channel."""
    kind, ident, name = actor_fields(who)
    return CaseEvent(
        case=case_id,
        at=at,
        actor_kind=kind,
        actor_id=ident,
        actor_name=name,
        action=action,
        from_state=from_state,
        to_state=to_state,
        from_level=from_level,
        to_level=to_level,
        reason=reason,
        channel=channel,
        data=data or {},
    )


async def record(case_id: int, who: Who, action: str, **fields: Any) -> None:
    await CaseEvent.insert(event_row(case_id, who, action, **fields))


def _check_parties(who: Who, case: dict[str, Any], action: CaseAction) -> set[Party]:
    state = CaseState(case["state"])
    parties = parties_for(who, case, action)
    legal = (state, action) in TRANSITIONS
    if (
        legal
        and action in WORK_ACTIONS
        and not parties & ROLE_MAP[action]
        and isinstance(who, Actor)
        and any(Party(r) in WORKERS for r in who.roles)
    ):
        raise refuse_not_assignee(case)
    return parties


async def run_move(
    who: Who,
    case_id: int,
    action: CaseAction,
    *,
    channel: Channel | str = Channel.console,
    reason: str = "",
    version: int | None = None,
    build: Build | None = None,
) -> dict[str, Any]:
    """Apply ``action`` to the case for ``who``; the case row after the commit."""
    reason = reason.strip()
    if action in NEEDS_REASON and not reason:
        raise invalid("reason", "请说明原因")
    async with write_transaction():
        case = await access_case(who, case_id)
        if version is not None and version != case["version"]:
            raise DomainError(ErrorCode.CASE_CHANGED, case_id=case_id)
        state = CaseState(case["state"])
        target = transition(state, action, _check_parties(who, case, action))
        now = clock.now()
        outcome = await build(case, target, now) if build else Outcome()
        await save(case, {Case.state: target, **outcome.changes}, now)
        await record(
            case_id,
            who,
            str(action),
            at=now,
            from_state=state,
            to_state=target,
            from_level=case["level"],
            to_level=outcome.to_level or case["level"],
            reason=reason,
            channel=str(channel),
            data=outcome.data,
        )
        await outbox.write(outcome.notes, case_id)
    if outcome.notes:
        outbox.after_commit()
    updated = await load_case(case_id)
    assert updated is not None
    return updated


def state_text(state: str) -> str:
    return STATE_ZH[CaseState(state)]
