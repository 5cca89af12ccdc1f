"""The case state machine: one transition table, one role map, one pure ``transition()``.

DOMAIN §3: ``reported → filed | rejected | merged → dispatched → in_progress → handled →
verified → closed → evaluated``, with rework back to ``dispatched``. ``states.mmd`` beside this
file draws exactly :data:`TRANSITIONS` (a unit test parses it and compares).

Choices made where the domain text is silent (documented in ``docs/cases.md``):

* **Rework** (返工) is allowed from ``handled`` (the verifier finds the work not done) and from
  ``verified`` (the center refuses to close); both go back to ``dispatched``, to the same
  assignee, and need a reason.
* **Merge** is allowed from ``reported`` and ``filed`` (a duplicate is often recognised only
  after filing, e.g. when the case climbs to a center that sees both).
* **Escalation** is the second axis (the responsible level). It is an action in the same table:
  a case that is waiting to be filed stays ``reported``; a filed, dispatched or in-progress
  case becomes ``filed`` at the higher level, whose staff decide anew (dispatch, send down).
  **Send down** (下派) moves a ``reported``/``filed`` case to a lower unit, state unchanged.
* **Claim** (a center staff member takes a case from a triage queue) changes no state.
* **Confirm** is the reporter's own check of the result (e.g. a resident in the mini-program):
  it counts as the independent verification, so it too must come from someone other than
  the handler.

``transition()`` knows states and roles only; the services add what needs the database
(scope, assignment, the verifier-is-not-the-handler rule) and call it with the actor's
*parties*: the roles that reach this case, plus ``reporter`` and ``system``.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from backend.errors import DomainError, ErrorCode


class CaseState(StrEnum):
    reported = "reported"  # 上报
    filed = "filed"  # 立案
    rejected = "rejected"  # 不予立案
    merged = "merged"  # 合并（重复上报）
    dispatched = "dispatched"  # 派遣
    in_progress = "in_progress"  # 处置中
    handled = "handled"  # 处置完成
    verified = "verified"  # 核查通过
    closed = "closed"  # 结案
    evaluated = "evaluated"  # 已评价


class CaseAction(StrEnum):
    file = "file"  # 立案
    reject = "reject"  # 不予立案
    merge = "merge"  # 合并
    claim = "claim"  # 认领
    dispatch = "dispatch"  # 派遣
    send_down = "send_down"  # 下派
    escalate = "escalate"  # 上报上级 / 超时升级
    start = "start"  # 开始处置
    handle = "handle"  # 处置完成
    verify = "verify"  # 核查
    confirm = "confirm"  # 上报人确认
    rework = "rework"  # 返工
    close = "close"  # 结案
    evaluate = "evaluate"  # 评价


class Party(StrEnum):
    """Who may act: the staff roles (``grid.tables.Role`` values) and two relations."""

    grid_worker = "grid_worker"
    grid_leader = "grid_leader"
    community_staff = "community_staff"
    street_center_staff = "street_center_staff"
    district_center_staff = "district_center_staff"
    city_center_staff = "city_center_staff"
    department_handler = "department_handler"
    admin = "admin"
    reporter = "reporter"  # the case's own reporter: a resident, a staff member, a channel
    system = "system"  # the deadline sweep and other background work


S, A, P = CaseState, CaseAction, Party

#: Every legal move. Self-loops are actions that change something other than the state.
TRANSITIONS: dict[tuple[CaseState, CaseAction], CaseState] = {
    (S.reported, A.file): S.filed,
    (S.reported, A.reject): S.rejected,
    (S.reported, A.merge): S.merged,
    (S.reported, A.claim): S.reported,
    (S.reported, A.send_down): S.reported,
    (S.reported, A.escalate): S.reported,
    (S.filed, A.merge): S.merged,
    (S.filed, A.claim): S.filed,
    (S.filed, A.dispatch): S.dispatched,
    (S.filed, A.send_down): S.filed,
    (S.filed, A.escalate): S.filed,
    (S.dispatched, A.start): S.in_progress,
    (S.dispatched, A.escalate): S.filed,
    (S.in_progress, A.handle): S.handled,
    (S.in_progress, A.escalate): S.filed,
    (S.handled, A.verify): S.verified,
    (S.handled, A.confirm): S.verified,
    (S.handled, A.rework): S.dispatched,
    (S.verified, A.rework): S.dispatched,
    (S.verified, A.close): S.closed,
    (S.closed, A.evaluate): S.evaluated,
}

CENTERS = frozenset({P.street_center_staff, P.district_center_staff, P.city_center_staff})
#: Those who accept, triage and decide at their level.
DECIDERS = frozenset({P.grid_leader, P.community_staff}) | CENTERS
#: Those who may do the work once a case is dispatched to them.
WORKERS = frozenset({P.grid_worker, P.department_handler}) | DECIDERS

#: Which parties may take each action (scope and assignment are checked by the services).
ROLE_MAP: dict[CaseAction, frozenset[Party]] = {
    A.file: DECIDERS,
    A.reject: DECIDERS,
    A.merge: DECIDERS,
    A.claim: DECIDERS,
    A.dispatch: DECIDERS,
    A.send_down: frozenset({P.community_staff}) | CENTERS,
    A.escalate: WORKERS | {P.system},
    A.start: WORKERS,
    A.handle: WORKERS,
    A.verify: frozenset({P.grid_worker}) | DECIDERS,
    A.confirm: frozenset({P.reporter}),
    A.rework: frozenset({P.grid_worker}) | DECIDERS,
    A.close: DECIDERS,
    A.evaluate: frozenset({P.reporter}),
}

#: Actions that do the work on a dispatched case: their parties come from the assignment.
WORK_ACTIONS = frozenset({A.start, A.handle})
#: Actions refused without a reason (the history must say why).
NEEDS_REASON = frozenset({A.reject, A.rework, A.escalate})

#: States in which the deadline clock runs (and the sweep may escalate).
RUNNING = frozenset({S.reported, S.filed, S.dispatched, S.in_progress})
#: States no action leads out of.
FINAL = frozenset(s for s in CaseState if not any(k[0] is s for k in TRANSITIONS))


STATE_ZH: dict[CaseState, str] = {
    S.reported: "已上报",
    S.filed: "已立案",
    S.rejected: "不予立案",
    S.merged: "已合并",
    S.dispatched: "已派遣",
    S.in_progress: "处置中",
    S.handled: "处置完成",
    S.verified: "核查通过",
    S.closed: "已结案",
    S.evaluated: "已评价",
}
ACTION_ZH: dict[CaseAction, str] = {
    A.file: "立案",
    A.reject: "不予立案",
    A.merge: "合并",
    A.claim: "认领",
    A.dispatch: "派遣",
    A.send_down: "下派",
    A.escalate: "上报上级",
    A.start: "开始处置",
    A.handle: "处置完成",
    A.verify: "核查",
    A.confirm: "确认",
    A.rework: "返工",
    A.close: "结案",
    A.evaluate: "评价",
}

#: History rows that are not moves of the state machine: the report itself and remarks.
REPORT, PROGRESS, OBJECTION = "report", "progress", "objection"
EVENT_ZH: dict[str, str] = {REPORT: "上报", PROGRESS: "进展说明", OBJECTION: "提出异议"}


def event_label(action: str) -> str:
    """The Chinese label of a history row's action, moves and non-moves alike."""
    try:
        return ACTION_ZH[CaseAction(action)]
    except ValueError:
        return EVENT_ZH.get(action, action)


PARTY_ZH: dict[Party, str] = {
    P.grid_worker: "网格员",
    P.grid_leader: "网格长",
    P.community_staff: "社区工作人员",
    P.street_center_staff: "街道治理中心",
    P.district_center_staff: "区县治理中心",
    P.city_center_staff: "市治理中心",
    P.department_handler: "职能部门处置人员",
    P.admin: "管理员",
    P.reporter: "上报人",
    P.system: "系统",
}


def allowed_actions(state: CaseState) -> list[CaseAction]:
    """Actions legal in ``state`` for someone, in table order."""
    return [action for (s, action) in TRANSITIONS if s is state]


def transition(state: CaseState, action: CaseAction, parties: Iterable[Party]) -> CaseState:
    """The next state, or a typed refusal saying why (state first, then role)."""
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise DomainError(
            ErrorCode.CASE_ACTION_INVALID,
            state=str(state),
            action=str(action),
            state_zh=STATE_ZH[state],
            action_zh=ACTION_ZH[action],
            allowed=", ".join(allowed_actions(state)) or "-",
        )
    allowed = ROLE_MAP[action]
    if not allowed.intersection(parties):
        raise DomainError(
            ErrorCode.CASE_ACTION_FORBIDDEN,
            action=str(action),
            action_zh=ACTION_ZH[action],
            reason="需要以下身份之一：" + "、".join(PARTY_ZH[p] for p in sorted(allowed)),
            reason_en="needs one of: " + ", ".join(sorted(allowed)),
        )
    return target
