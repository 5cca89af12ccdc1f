"""The escalation sweep: every case past its deadline climbs one rung of the ladder.

* **Cost grows with overdue cases only.** It reads ``sweep_at <= now`` through the partial
  index on ``sweep_at`` (NULL for cases whose clock stopped or that cannot climb), so a
  million quiet cases cost nothing.
* **Idempotent.** An escalated case gets a fresh deadline at the new level, so running the
  sweep again at the same instant finds nothing; a case that cannot climb further gets
  ``sweep_at`` NULL (it stays red in the queues).
* **Never twice.** On PostgreSQL each batch is taken with ``FOR UPDATE SKIP LOCKED``: two
  workers sweeping at once split the overdue cases between them. SQLite serialises write
  transactions, so the second sweeper simply sees the first one's result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend import clock
from backend.db import is_sqlite, write_transaction
from backend.errors import DomainError
from grid.actors import SYSTEM
from grid.cases.services import outbox
from grid.cases.services.moves import event_row, save
from grid.cases.services.triage import escalation
from grid.cases.states import RUNNING, CaseAction, CaseState, Party, transition
from grid.cases.tables import Case, CaseEvent, Channel, Outbox

BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    escalated: int
    stopped: int  # overdue but nowhere higher to go (or no longer running): not looked at again


async def _overdue(now: datetime, batch: int) -> list[dict[str, Any]]:
    query = Case.select().where(Case.sweep_at <= now).order_by(Case.sweep_at).limit(batch)
    if not is_sqlite():
        query = query.lock_rows("UPDATE", skip_locked=True)
    return await query


async def _escalate_one(
    case: dict[str, Any], now: datetime, events: list[CaseEvent], notes: list[Outbox]
) -> bool:
    """Escalate one case (its UPDATE now; its history and outbox rows go in the batch's lists)."""
    state = CaseState(case["state"])
    if state not in RUNNING:
        await Case.update({Case.sweep_at: None}).where(Case.id == case["id"])
        return False
    try:
        outcome = await escalation(case, now, by_deadline=True)
    except DomainError:
        await Case.update({Case.sweep_at: None}).where(Case.id == case["id"])
        return False
    target = transition(state, CaseAction.escalate, {Party.system})
    await save(case, {Case.state: target, **outcome.changes}, now)
    events.append(
        event_row(
            case["id"],
            SYSTEM,
            str(CaseAction.escalate),
            at=now,
            from_state=state,
            to_state=target,
            from_level=case["level"],
            to_level=outcome.to_level,
            reason="超过处置时限，自动升级",
            channel=str(Channel.system),
            data=outcome.data,
        )
    )
    notes.extend(outbox.rows(outcome.notes, case["id"]))
    return True


async def sweep_overdue(now: datetime | None = None, batch: int = BATCH) -> SweepResult:
    """Escalate every case whose deadline has passed by ``now``, a batch per transaction
    (one UPDATE per case; the batch's history and outbox rows in one INSERT each)."""
    now = now or clock.now()
    escalated = stopped = 0
    while True:
        async with write_transaction():
            rows = await _overdue(now, batch)
            events: list[CaseEvent] = []
            notes: list[Outbox] = []
            for case in rows:
                if await _escalate_one(case, now, events, notes):
                    escalated += 1
                else:
                    stopped += 1
            if events:
                await CaseEvent.insert(*events)
            if notes:
                await Outbox.insert(*notes)
        if len(rows) < batch:
            break
    if escalated:
        outbox.after_commit()
    return SweepResult(escalated, stopped)
