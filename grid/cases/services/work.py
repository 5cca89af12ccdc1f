"""Doing and checking the work: start, handle, verify, confirm, rework, evaluate.

The verifier (or the confirming reporter) must be someone other than the handler: checked
here because only the database knows who handled the case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.config import Settings
from backend.errors import DomainError, ErrorCode, invalid
from grid.actors import Actor
from grid.cases.services import outbox
from grid.cases.services.access import Who
from grid.cases.services.moves import (
    Outcome,
    level_clock,
    payload,
    reporter_note,
    run_move,
    unit_note,
)
from grid.cases.services.photos import clean_photo_ids, link_photos
from grid.cases.states import CaseAction, CaseState
from grid.cases.tables import Case, Channel, RecipientKind

A = CaseAction


async def start_case(
    who: Who, case_id: int, *, channel: str = Channel.console, version: int | None = None
) -> dict[str, Any]:
    return await run_move(who, case_id, A.start, channel=channel, version=version)


async def handle_case(
    who: Who,
    case_id: int,
    note: str,
    photo_ids: list[int] | None = None,
    *,
    channel: str = Channel.console,
    version: int | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """The work is done: a result note (and photos); the reporter hears back, the responsible
    unit is asked to verify. The clock stops."""
    note = note.strip()
    if not note:
        raise invalid("note", "请填写处置结果")
    photos = clean_photo_ids(photo_ids, settings)

    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        await link_photos(who, case["id"], "result", photos, settings=settings)
        return Outcome(
            changes={
                Case.handled_by: getattr(who, "id", None) if isinstance(who, Actor) else None,
                Case.handled_at: now,
                Case.result_note: note,
                Case.result_photo_ids: photos,
                Case.sweep_at: None,
            },
            notes=[
                reporter_note(case, "case.handled", f"您上报的案件已处置：{note}"),
                unit_note(case["unit"], case, "case.to_verify", "案件已处置完成，请核查"),
            ],
            data={"note": note, "photo_ids": photos},
        )

    return await run_move(who, case_id, A.handle, channel=channel, version=version, build=build)


def _not_handler(who: Who, case: dict[str, Any]) -> None:
    if isinstance(who, Actor) and who.kind == "staff" and case["handled_by"] == who.id:
        raise DomainError(ErrorCode.CASE_VERIFIER_IS_HANDLER)


async def verify_case(
    who: Who,
    case_id: int,
    *,
    note: str = "",
    photo_ids: list[int] | None = None,
    channel: str = Channel.console,
    version: int | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    photos = clean_photo_ids(photo_ids, settings)

    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        _not_handler(who, case)
        await link_photos(who, case["id"], "verification", photos, settings=settings)
        return Outcome(
            changes={Case.verified_at: now},
            data={"note": note.strip(), "photo_ids": photos} if note or photos else {},
        )

    return await run_move(who, case_id, A.verify, channel=channel, version=version, build=build)


async def confirm_case(
    who: Who, case_id: int, *, channel: str = Channel.console, version: int | None = None
) -> dict[str, Any]:
    """The reporter confirms the result: it counts as the independent verification."""

    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        _not_handler(who, case)
        return Outcome(changes={Case.verified_at: now})

    return await run_move(who, case_id, A.confirm, channel=channel, version=version, build=build)


async def rework_case(
    who: Who,
    case_id: int,
    reason: str,
    *,
    channel: str = Channel.console,
    version: int | None = None,
) -> dict[str, Any]:
    """Back to the same assignee with the reason; the level's time limit starts again."""

    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        clock_columns = await level_clock(case, case["level"], now)
        recipient = _assignee_recipient(case)
        notes = []
        if recipient is not None:
            notes.append(
                outbox.Note(
                    "case.rework",
                    recipient[0],
                    recipient[1],
                    payload(case, f"案件需返工：{reason}"),
                )
            )
        return Outcome(
            changes={
                **clock_columns,
                Case.rework_count: case["rework_count"] + 1,
                Case.handled_at: None,
                Case.verified_at: None,
                Case.handled_by: None,
                Case.dispatched_at: now,
            },
            notes=notes,
            data={"handled_by": case["handled_by"]},
        )

    return await run_move(
        who, case_id, A.rework, reason=reason, channel=channel, version=version, build=build
    )


def _assignee_recipient(case: dict[str, Any]) -> tuple[RecipientKind, str] | None:
    if case["assigned_staff"] is not None:
        return RecipientKind.staff, str(case["assigned_staff"])
    if case["department"] is not None:
        return RecipientKind.department, str(case["department"])
    if case["assigned_unit"] is not None:
        return RecipientKind.unit, str(case["assigned_unit"])
    return None


async def evaluate_case(
    who: Who,
    case_id: int,
    rating: int,
    comment: str = "",
    *,
    channel: str = Channel.console,
    version: int | None = None,
) -> dict[str, Any]:
    """The reporter's satisfaction, 1–5 (4–5 count as satisfied in the KPIs)."""
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise DomainError(ErrorCode.CASE_RATING_INVALID)
    comment = comment.strip()[:500]

    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        return Outcome(
            changes={Case.rating: rating, Case.rating_comment: comment, Case.evaluated_at: now},
            data={"rating": rating},
        )

    return await run_move(who, case_id, A.evaluate, channel=channel, version=version, build=build)
