"""The phases of a matter: one transition table and one pure ``transition()``.

DOMAIN §5: ``draft → published (公示) → discussion → voting → tallied → result_published``.
``phases.mmd`` beside this file draws exactly :data:`TRANSITIONS` (a unit test compares them).

Choices where the domain text is silent (see ``docs/consultations.md``):

* A matter may be **withdrawn** (撤回) before voting opens, with a reason; once owners have
  started voting only the tally can end it, so nothing is thrown away.
* Revising the text is an action that keeps the phase, allowed in ``draft`` and
  ``discussion`` only: what was published as a notice is what owners read during the notice
  period, and what they vote on is frozen when voting opens.
* Every move needs ``matter.manage`` in the matter's unit; the service checks that, this
  module only knows phases.
"""

from __future__ import annotations

from enum import StrEnum

from backend.errors import DomainError, ErrorCode


class Phase(StrEnum):
    draft = "draft"  # 草稿
    published = "published"  # 公示
    discussion = "discussion"  # 协商讨论
    voting = "voting"  # 表决
    tallied = "tallied"  # 已计票
    result_published = "result_published"  # 结果公示
    withdrawn = "withdrawn"  # 已撤回


class PhaseAction(StrEnum):
    create = "create"  # recorded in the history only; not a move
    publish = "publish"
    revise = "revise"
    open_discussion = "open_discussion"
    open_voting = "open_voting"
    close_voting = "close_voting"
    publish_result = "publish_result"
    withdraw = "withdraw"


P, A = Phase, PhaseAction

TRANSITIONS: dict[tuple[Phase, PhaseAction], Phase] = {
    (P.draft, A.revise): P.draft,
    (P.draft, A.publish): P.published,
    (P.draft, A.withdraw): P.withdrawn,
    (P.published, A.open_discussion): P.discussion,
    (P.published, A.withdraw): P.withdrawn,
    (P.discussion, A.revise): P.discussion,
    (P.discussion, A.open_voting): P.voting,
    (P.discussion, A.withdraw): P.withdrawn,
    (P.voting, A.close_voting): P.tallied,
    (P.tallied, A.publish_result): P.result_published,
}

#: Phases in which residents may comment and suggest.
DISCUSSABLE = frozenset({P.published, P.discussion})


def transition(phase: Phase | str, action: PhaseAction) -> Phase:
    """The next phase, or a typed refusal naming the phase and the action."""
    nxt = TRANSITIONS.get((Phase(phase), action))
    if nxt is None:
        raise DomainError(ErrorCode.MATTER_PHASE_INVALID, phase=str(phase), action=str(action))
    return nxt
