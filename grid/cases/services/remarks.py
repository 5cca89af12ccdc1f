"""Remarks on a case that move nothing: the assignee's progress notes and the reporter's
objection to a handled result.

Both are history rows (``progress``, ``objection``) with the case's state unchanged, written
under the same access rules as the moves: a progress note only by whoever could mark the case
handled (its assignee), while it is being worked; an objection only by the reporter, while
the result waits for checking. An objection notifies the responsible unit, which decides on
rework (``rework_case``) — the reporter cannot send work back by themselves.
"""

from __future__ import annotations

from typing import Any

from backend import clock
from backend.config import Settings
from backend.db import write_transaction
from backend.errors import DomainError, ErrorCode, invalid
from grid.cases.services import outbox
from grid.cases.services.access import (
    Who,
    access_case,
    is_reporter,
    parties_for,
    refuse_not_assignee,
)
from grid.cases.services.moves import record, unit_note
from grid.cases.services.photos import clean_photo_ids, link_photos
from grid.cases.states import (
    EVENT_ZH,
    OBJECTION,
    PROGRESS,
    ROLE_MAP,
    STATE_ZH,
    CaseAction,
    CaseState,
)
from grid.cases.tables import Channel

WORKING = (CaseState.dispatched, CaseState.in_progress)


def _not_now(action: str, state: str) -> DomainError:
    return DomainError(
        ErrorCode.CASE_ACTION_INVALID,
        state=state,
        action=action,
        state_zh=STATE_ZH[CaseState(state)],
        action_zh=EVENT_ZH[action],
        allowed="-",
    )


def _text(value: str, name: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 1000:
        raise invalid(name, "1–1000 characters")
    return value


async def add_progress_note(
    who: Who,
    case_id: int,
    note: str,
    photo_ids: list[int] | None = None,
    *,
    channel: str = Channel.console,
    settings: Settings | None = None,
) -> dict[str, Any]:
    note = _text(note, "note")
    photos = clean_photo_ids(photo_ids)
    async with write_transaction():
        case = await access_case(who, case_id)
        if case["state"] not in WORKING:
            raise _not_now(PROGRESS, case["state"])
        if not parties_for(who, case, CaseAction.handle) & ROLE_MAP[CaseAction.handle]:
            raise refuse_not_assignee(case)
        await link_photos(who, case_id, "result", photos, settings=settings)
        await record(
            case_id,
            who,
            PROGRESS,
            at=clock.now(),
            from_state=case["state"],
            to_state=case["state"],
            from_level=case["level"],
            to_level=case["level"],
            channel=str(channel),
            data={"note": note, "photo_ids": photos},
        )
    return case


async def raise_objection(
    who: Who, case_id: int, reason: str, *, channel: str = Channel.console
) -> dict[str, Any]:
    reason = _text(reason, "reason")
    async with write_transaction():
        case = await access_case(who, case_id)
        if not is_reporter(who, case):
            raise DomainError(
                ErrorCode.CASE_ACTION_FORBIDDEN,
                action=OBJECTION,
                action_zh=EVENT_ZH[OBJECTION],
                reason="只有上报人可以提出异议",
                reason_en="only the reporter may object",
            )
        if case["state"] != CaseState.handled:
            raise _not_now(OBJECTION, case["state"])
        await record(
            case_id,
            who,
            OBJECTION,
            at=clock.now(),
            from_state=case["state"],
            to_state=case["state"],
            from_level=case["level"],
            to_level=case["level"],
            reason=reason,
            channel=str(channel),
        )
        text = f"上报人对处置结果有异议：{reason}"
        await outbox.write([unit_note(case["unit"], case, "case.objection", text)], case_id)
    outbox.after_commit()
    return case
