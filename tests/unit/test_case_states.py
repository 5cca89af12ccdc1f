"""The whole transition table, every role, and the Mermaid diagram beside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.errors import DomainError, ErrorCode
from grid.cases import states
from grid.cases.states import (
    ROLE_MAP,
    TRANSITIONS,
    CaseAction,
    CaseState,
    Party,
    event_label,
    transition,
)

ALLOWED = [
    pytest.param(state, action, party, target, id=f"{state}-{action}-{party}")
    for (state, action), target in TRANSITIONS.items()
    for party in sorted(ROLE_MAP[action])
]
REFUSED_ROLE = [
    pytest.param(state, action, party, id=f"{state}-{action}-{party}")
    for (state, action) in TRANSITIONS
    for party in sorted(set(Party) - ROLE_MAP[action])
]
ILLEGAL = [
    pytest.param(state, action, id=f"{state}-{action}")
    for state in CaseState
    for action in CaseAction
    if (state, action) not in TRANSITIONS
]


@pytest.mark.parametrize(("state", "action", "party", "target"), ALLOWED)
def test_every_allowed_move_for_every_allowed_party(state, action, party, target):
    assert transition(state, action, {party}) is target


@pytest.mark.parametrize(("state", "action", "party"), REFUSED_ROLE)
def test_a_party_outside_the_role_map_is_refused_with_the_roles_needed(state, action, party):
    with pytest.raises(DomainError) as refused:
        transition(state, action, {party})
    assert refused.value.code is ErrorCode.CASE_ACTION_FORBIDDEN
    assert refused.value.data["reason"].startswith("需要以下身份之一")


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_an_action_illegal_in_the_state_is_refused_for_everyone(state, action):
    with pytest.raises(DomainError) as refused:
        transition(state, action, set(Party))
    assert refused.value.code is ErrorCode.CASE_ACTION_INVALID
    assert refused.value.data["state_zh"] == states.STATE_ZH[state]


def test_the_loop_reaches_evaluated_and_rework_goes_back_to_dispatched():
    assert states.FINAL == {CaseState.rejected, CaseState.merged, CaseState.evaluated}
    assert TRANSITIONS[(CaseState.handled, CaseAction.rework)] is CaseState.dispatched
    assert TRANSITIONS[(CaseState.verified, CaseAction.rework)] is CaseState.dispatched


def test_state_diagram_matches_the_transition_table():
    text = (Path(states.__file__).with_name("states.mmd")).read_text(encoding="utf-8")
    edges = sorted(re.findall(r"^\s*(\w+) --> (\w+) : (\w+)\s*$", text, re.M))
    table = sorted((str(s), str(t), str(a)) for (s, a), t in TRANSITIONS.items())
    assert edges == table
    finals = set(re.findall(r"^\s*(\w+) --> \[\*\]", text, re.M))
    assert finals == {str(s) for s in states.FINAL}


def test_docs_role_map_matches_the_code():
    doc = (Path(__file__).parents[2] / "docs" / "cases.md").read_text(encoding="utf-8")
    block = doc.split("<!-- role-map:start -->")[1].split("<!-- role-map:end -->")[0]
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| (.+) \|$", block, re.M)
    documented = {action: set(re.findall(r"`(\w+)`", parties)) for action, parties in rows}
    assert documented == {str(a): {str(p) for p in ps} for a, ps in ROLE_MAP.items()}


@pytest.mark.parametrize(
    ("action", "label"),
    [
        ("report", "上报"),
        ("progress", "进展说明"),
        ("objection", "提出异议"),
        ("file", "立案"),
        ("escalate", "上报上级"),
        ("rework", "返工"),
    ],
)
def test_every_history_row_has_its_own_chinese_label(action, label):
    assert event_label(action) == label
