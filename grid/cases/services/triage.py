"""Deciding on a case at its level: file, reject, merge, claim, dispatch, send down, escalate,
close. Each is one :func:`~grid.cases.services.moves.run_move`; this module adds what the
state machine cannot know (targets, scope of the target, deadlines, whom to tell).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.errors import DomainError, ErrorCode, invalid, not_found
from grid.cases.deadlines import is_above, next_level, rung
from grid.cases.services.access import Who, access_case
from grid.cases.services.calendar import load_calendar
from grid.cases.services.categories import get_category
from grid.cases.services.moves import (
    Outcome,
    level_clock,
    level_text,
    outbox,
    payload,
    reporter_note,
    run_move,
    unit_note,
)
from grid.cases.services.places import ancestor_at, place_by_id
from grid.cases.states import CaseAction, CaseState
from grid.cases.tables import (
    Arrival,
    AssigneeKind,
    Case,
    Channel,
    RecipientKind,
)
from grid.tables import Department, Level, Role, RoleAssignment, StaffAccount

A = CaseAction
STOPPED = {Case.sweep_at: None}


async def file_case(
    who: Who, case_id: int, *, channel: str = Channel.console, version: int | None = None
) -> dict[str, Any]:
    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        return Outcome(changes={Case.filed_at: now})

    return await run_move(who, case_id, A.file, channel=channel, version=version, build=build)


async def reject_case(
    who: Who,
    case_id: int,
    reason: str,
    *,
    channel: str = Channel.console,
    version: int | None = None,
) -> dict[str, Any]:
    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        note = reporter_note(case, "case.rejected", f"您的上报不予立案：{reason.strip()}")
        return Outcome(changes=dict(STOPPED), notes=[note])

    return await run_move(
        who, case_id, A.reject, reason=reason, channel=channel, version=version, build=build
    )


async def merge_case(
    who: Who,
    case_id: int,
    into_case_id: int,
    *,
    reason: str = "",
    channel: str = Channel.console,
    version: int | None = None,
) -> dict[str, Any]:
    """Mark a case as a duplicate of another one the actor can see (no chains of merges)."""
    # scope first: a refusal must not tell an outsider that the case exists
    target_case = await access_case(who, into_case_id)
    if into_case_id == case_id:
        raise DomainError(ErrorCode.CASE_MERGE_INVALID, reason="不能合并到自身")
    if target_case["state"] in (CaseState.merged, CaseState.rejected):
        raise DomainError(ErrorCode.CASE_MERGE_INVALID, reason="目标案件已合并或不予立案")

    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        note = reporter_note(case, "case.merged", "您的上报与已有案件重复，已合并处理")
        return Outcome(
            changes={Case.merged_into: into_case_id, **STOPPED},
            notes=[note],
            data={"into": into_case_id},
        )

    return await run_move(
        who, case_id, A.merge, reason=reason, channel=channel, version=version, build=build
    )


async def claim_case(
    who: Who, case_id: int, *, channel: str = Channel.console, version: int | None = None
) -> dict[str, Any]:
    """Take a case from a triage queue; someone else's claim is not silently overridden."""

    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        holder = case["claimed_by"]
        if holder is not None and holder != getattr(who, "id", None):
            name = (
                await StaffAccount.select(StaffAccount.display_name)
                .where(StaffAccount.id == holder)
                .first()
            )
            raise DomainError(
                ErrorCode.CASE_ALREADY_CLAIMED, name=name["display_name"] if name else holder
            )
        return Outcome(changes={Case.claimed_by: getattr(who, "id", None)})

    return await run_move(who, case_id, A.claim, channel=channel, version=version, build=build)


async def _assignee(
    case: dict[str, Any], kind: AssigneeKind, target_id: int
) -> tuple[dict[Any, Any], Any]:
    """Columns naming the assignee, and the note telling it (checks the target's scope)."""
    inside = (case["unit_prefix"], case["home_prefix"])
    if kind is AssigneeKind.unit:
        place = await place_by_id(target_id)
        if not place.prefix.startswith(case["unit_prefix"]) and not case["home_prefix"].startswith(
            place.prefix
        ):
            raise invalid("unit_id", "dispatch within the responsible unit's area")
        columns = {Case.assigned_unit: place.id, Case.assigned_prefix: place.prefix}
        return columns, (RecipientKind.unit, str(place.id))
    if kind is AssigneeKind.department:
        dept = await Department.select().where(Department.id == target_id).first()
        if dept is None:
            raise not_found("department", target_id)
        if not any(
            p.startswith(dept["unit_prefix"]) or dept["unit_prefix"].startswith(p) for p in inside
        ):
            raise invalid("department_id", "the department does not serve this area")
        return {Case.department: dept["id"]}, (RecipientKind.department, str(dept["id"]))
    grants = await RoleAssignment.select(RoleAssignment.role, RoleAssignment.unit.prefix).where(
        RoleAssignment.staff == target_id
    )
    if not any(
        g["role"] != Role.admin
        and any(p.startswith(g["unit.prefix"]) or g["unit.prefix"].startswith(p) for p in inside)
        for g in grants
    ):
        raise invalid("staff_id", "the staff member does not work in this area")
    return {Case.assigned_staff: target_id}, (RecipientKind.staff, str(target_id))


CLEARED = {
    Case.assignee_kind: None,
    Case.assigned_unit: None,
    Case.assigned_prefix: None,
    Case.department: None,
    Case.assigned_staff: None,
}


async def dispatch_case(
    who: Who,
    case_id: int,
    *,
    kind: AssigneeKind,
    target_id: int,
    deadline_at: datetime | None = None,
    reason: str = "",
    channel: str = Channel.console,
    version: int | None = None,
) -> dict[str, Any]:
    """Hand the work to a unit, a department or a person; the level's deadline stands unless
    the dispatcher sets an earlier or later one."""
    kind = AssigneeKind(kind)

    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        columns, (recipient_kind, recipient_id) = await _assignee(case, kind, target_id)
        changes: dict[Any, Any] = {
            **CLEARED,
            **columns,
            Case.assignee_kind: kind,
            Case.dispatched_at: now,
        }
        if deadline_at is not None:
            if deadline_at <= now:
                raise invalid("deadline_at", "must be in the future")
            calendar = await load_calendar()
            changes[Case.deadline_at] = deadline_at
            changes[Case.warn_at] = calendar.warn_at(
                case["level_started_at"], deadline_at, case["time_unit"]
            )
            category = await get_category(case["category"])
            climbs = next_level(category.limits, case["level"]) is not None
            changes[Case.sweep_at] = deadline_at if climbs else None
        text = f"新派遣案件，请于 {(deadline_at or case['deadline_at']):%Y-%m-%d %H:%M} 前处置"
        note = outbox.Note("case.dispatched", recipient_kind, recipient_id, payload(case, text))
        return Outcome(changes=changes, notes=[note], data={"kind": kind, "target_id": target_id})

    return await run_move(
        who, case_id, A.dispatch, reason=reason, channel=channel, version=version, build=build
    )


async def send_down_case(
    who: Who,
    case_id: int,
    unit_id: int,
    *,
    reason: str = "",
    channel: str = Channel.console,
    version: int | None = None,
) -> dict[str, Any]:
    """A center or community hands a case to a lower unit, which decides and works on it."""
    place = await place_by_id(unit_id)
    if place.level is Level.micro_grid:
        place = await ancestor_at(place.prefix, Level.grid)

    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        if not place.prefix.startswith(case["unit_prefix"]) or not is_above(
            case["level"], place.level
        ):
            raise DomainError(
                ErrorCode.CASE_LEVEL_INVALID, reason="只能下派给本单位辖区内的下级单元"
            )
        clock_columns = await level_clock(case, place.level, now)
        text = f"{level_text(case['level'])}下派案件，请在{level_text(place.level)}处置"
        return Outcome(
            changes={
                **clock_columns,
                **CLEARED,
                Case.level: place.level,
                Case.unit: place.id,
                Case.unit_prefix: place.prefix,
                Case.arrived_by: Arrival.send_down,
                Case.claimed_by: None,
            },
            notes=[unit_note(place.id, case, "case.sent_down", text)],
            data={"unit_id": place.id},
            to_level=place.level,
        )

    return await run_move(
        who, case_id, A.send_down, reason=reason, channel=channel, version=version, build=build
    )


async def escalation(case: dict[str, Any], now: datetime, *, by_deadline: bool) -> Outcome:
    """The next rung: the unit, a fresh clock from that level's limit, a note to it."""
    category = await get_category(case["category"])
    higher = next_level(category.limits, case["level"])
    if higher is None:
        raise DomainError(ErrorCode.CASE_LEVEL_INVALID, reason="已是该类案件的最高处置层级")
    place = await ancestor_at(case["unit_prefix"], higher)
    clock_columns = await level_clock(case, higher, now)
    why = "超过处置时限" if by_deadline else "承办人申请上报"
    text = f"案件因{why}升级至{level_text(higher)}，请受理"
    top = higher if rung(higher) > rung(case["top_level"]) else case["top_level"]
    return Outcome(
        changes={
            **clock_columns,
            **CLEARED,
            Case.level: higher,
            Case.unit: place.id,
            Case.unit_prefix: place.prefix,
            Case.arrived_by: Arrival.escalation,
            Case.top_level: top,
            Case.escalations: case["escalations"] + 1,
            Case.claimed_by: None,
        },
        notes=[unit_note(place.id, case, "case.escalated", text, by_deadline=by_deadline)],
        data={"unit_id": place.id, "by_deadline": by_deadline},
        to_level=higher,
    )


async def escalate_case(
    who: Who,
    case_id: int,
    reason: str,
    *,
    channel: str = Channel.console,
    version: int | None = None,
) -> dict[str, Any]:
    """The handler (or the deciding level) asks the next level to take over, with a reason."""

    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        return await escalation(case, now, by_deadline=False)

    return await run_move(
        who, case_id, A.escalate, reason=reason, channel=channel, version=version, build=build
    )


async def close_case(
    who: Who,
    case_id: int,
    *,
    reason: str = "",
    channel: str = Channel.console,
    version: int | None = None,
) -> dict[str, Any]:
    async def build(case: dict[str, Any], target: CaseState, now: datetime) -> Outcome:
        note = reporter_note(case, "case.closed", "您上报的案件已结案，欢迎评价")
        return Outcome(changes={Case.closed_at: now, **STOPPED}, notes=[note])

    return await run_move(
        who, case_id, A.close, reason=reason, channel=channel, version=version, build=build
    )
