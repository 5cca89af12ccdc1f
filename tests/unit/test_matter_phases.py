"""The matter phase table, its Mermaid drawing, and refusals of moves it does not list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import community
from backend.errors import DomainError, ErrorCode
from community.phases import TRANSITIONS, Phase, PhaseAction, transition

DIAGRAM = Path(community.__file__).parent / "phases.mmd"


def test_diagram_draws_exactly_the_transition_table():
    edges = set()
    for line in DIAGRAM.read_text().splitlines():
        m = re.fullmatch(r"\s*(\w+) --> (\w+) : (\w+)\s*", line)
        if m:
            edges.add((Phase(m[1]), PhaseAction(m[3]), Phase(m[2])))
    assert edges == {(p, a, n) for (p, a), n in TRANSITIONS.items()}


def test_phases_run_in_the_domain_order():
    phase = Phase.draft
    for action in (
        PhaseAction.publish,
        PhaseAction.open_discussion,
        PhaseAction.open_voting,
        PhaseAction.close_voting,
        PhaseAction.publish_result,
    ):
        phase = transition(phase, action)
    assert phase is Phase.result_published


@pytest.mark.parametrize(
    ("phase", "action"),
    [(p, a) for p in Phase for a in PhaseAction if (p, a) not in TRANSITIONS],
)
def test_moves_outside_the_table_are_refused_with_phase_and_action(phase, action):
    with pytest.raises(DomainError) as info:
        transition(phase, action)
    assert info.value.code is ErrorCode.MATTER_PHASE_INVALID
    assert info.value.data == {"phase": str(phase), "action": str(action)}


def test_voting_cannot_be_withdrawn_once_owners_have_started():
    with pytest.raises(DomainError):
        transition(Phase.voting, PhaseAction.withdraw)
