"""Who may see a case and in which capacity (*parties*) an actor takes an action on it.

:func:`access_case` fetches and checks at once, as every door needs: outside the actor's
scope a case does not exist (404). Staff see a case when one of their grants covers where it
happened (``home_prefix``), who is responsible for it (``unit_prefix``) or the unit it is
dispatched to; department handlers see the cases dispatched to their department; everyone
sees the cases they reported or were handed personally. Residents see their own reports.

:func:`parties_for` turns grants into the :class:`~grid.cases.states.Party` values the state
machine checks, depending on the action:

* deciding (file, reject, merge, claim, dispatch, send down, close, escalate before dispatch):
  roles whose grant covers the *responsible* unit — so a case escalated to the street center
  leaves the grid leader's hands;
* working (start, handle; escalate once dispatched): the assignee only — the staff member, a
  worker of the assigned unit, or a handler of the assigned department;
* checking (verify, rework): roles covering the responsible unit or the place it happened;
* confirm, evaluate: the reporter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.errors import DomainError, ErrorCode, not_found
from grid.actors import Actor
from grid.cases.states import WORK_ACTIONS, CaseAction, CaseState, Party
from grid.cases.tables import AssigneeKind, Case, ReporterKind
from grid.permissions import Action
from grid.tables import Role

A = CaseAction


@dataclass(frozen=True)
class Reporter:
    """Who reported a case: a staff member, a resident, or a channel's own user id."""

    kind: ReporterKind
    id: str
    name: str = ""


#: Anyone a case service accepts as the acting party.
Who = Actor | Reporter


def reporter_of(who: Who) -> Reporter:
    if isinstance(who, Reporter):
        return who
    kind = ReporterKind.resident if who.kind == "resident" else ReporterKind.staff
    if who.kind == "system":
        return Reporter(ReporterKind.external, "system", who.name)
    return Reporter(kind, str(who.id), who.name)


def is_reporter(who: Who, case: dict[str, Any]) -> bool:
    me = reporter_of(who)
    return case["reporter_kind"] == me.kind and case["reporter_id"] == me.id


def _covers_any(actor: Actor, prefixes: list[str | None], action: Action) -> bool:
    return any(p and actor.may(action, p) for p in prefixes)


def can_read(who: Who, case: dict[str, Any]) -> bool:
    if isinstance(who, Actor) and who.kind == "system":
        return True
    if is_reporter(who, case):
        return True
    if not isinstance(who, Actor) or who.kind != "staff":
        return False
    if case["assigned_staff"] == who.id or case["claimed_by"] == who.id:
        return True
    if case["department"] is not None and any(
        g.department_id == case["department"] for g in who.grants
    ):
        return True
    prefixes = [case["home_prefix"], case["unit_prefix"], case["assigned_prefix"]]
    return _covers_any(who, prefixes, Action.case_read)


async def load_case(case_id: int) -> dict[str, Any] | None:
    return await Case.select().where(Case.id == case_id).first()


async def access_case(who: Who, case_id: int) -> dict[str, Any]:
    """The case row, or 404 when it does not exist or is outside ``who``'s scope."""
    case = await load_case(case_id)
    if case is None or not can_read(who, case):
        raise not_found("case", case_id)
    return case


def _assignee_roles(actor: Actor, case: dict[str, Any]) -> set[Party]:
    kind = case["assignee_kind"]
    roles: set[Role] = set()
    if kind == AssigneeKind.staff and case["assigned_staff"] == actor.id:
        roles = set(actor.roles)
    elif kind == AssigneeKind.unit and case["assigned_prefix"]:
        roles = {
            g.role
            for g in actor.grants
            if g.covers(case["assigned_prefix"]) and g.role is not Role.department_handler
        }
    elif kind == AssigneeKind.department:
        roles = {
            g.role
            for g in actor.grants
            if g.role is Role.department_handler and g.department_id == case["department"]
        }
    return {Party(r) for r in roles}


def parties_for(who: Who, case: dict[str, Any], action: CaseAction) -> set[Party]:
    """The capacities in which ``who`` may take ``action`` on ``case`` (before role rules)."""
    parties: set[Party] = set()
    if isinstance(who, Actor) and who.kind == "system":
        return {Party.system}
    if is_reporter(who, case):
        parties.add(Party.reporter)
    if not isinstance(who, Actor) or who.kind != "staff":
        return parties
    state = CaseState(case["state"])
    if action in WORK_ACTIONS:
        return parties | _assignee_roles(who, case)
    if action is A.escalate and state in (CaseState.dispatched, CaseState.in_progress):
        parties |= _assignee_roles(who, case)
    places = [case["unit_prefix"]]
    if action in (A.verify, A.rework):
        places.append(case["home_prefix"])
    for grant in who.grants:
        if grant.role is Role.department_handler:
            continue
        if any(grant.covers(p) for p in places):
            parties.add(Party(grant.role))
    return parties


def assignee_label(case: dict[str, Any]) -> str:
    kind = case["assignee_kind"]
    if kind == AssigneeKind.staff:
        return f"工作人员 #{case['assigned_staff']}"
    if kind == AssigneeKind.department:
        return f"职能部门 #{case['department']}"
    if kind == AssigneeKind.unit:
        return f"单元 #{case['assigned_unit']}"
    return "未派遣"


def refuse_not_assignee(case: dict[str, Any]) -> DomainError:
    return DomainError(ErrorCode.CASE_NOT_ASSIGNEE, assignee=assignee_label(case))
