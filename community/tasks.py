"""Periodic work of consultations (Celery beat): the 24-hour reminder and chain sealing.

Both are idempotent: the reminder is marked on the matter in the transaction that writes it,
and sealing links only what is still pending.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from backend import clock
from backend.celery_app import run_async
from backend.db import write_transaction
from community.phases import Phase
from community.services import chain, notify
from community.services.access import load_matter
from community.tables import ChainPending, Matter

CLOSING_NOTICE_BEFORE = timedelta(hours=24)


async def send_closing_reminders() -> int:
    """Matters whose vote closes within 24 h: remind the roll's voters who have not voted."""
    now = clock.now()
    due = await Matter.select(Matter.id).where(
        (Matter.phase == Phase.voting)
        & Matter.closing_notice_at.is_null()
        & (Matter.voting_closes_at <= now + CLOSING_NOTICE_BEFORE)
        & (Matter.voting_closes_at > now)
    )
    sent = 0
    for row in due:
        async with write_transaction():
            matter = await load_matter(row["id"])
            if matter is None or matter["closing_notice_at"] is not None:
                continue
            sent += await notify.closing_soon(matter)
            await Matter.update({Matter.closing_notice_at: now}).where(Matter.id == row["id"])
    return sent


async def seal_pending_chains() -> int:
    """Link ballots left pending by a busy moment into their matters' chains."""
    matters = {r["matter"] for r in await ChainPending.select(ChainPending.matter)}
    linked = 0
    for matter_id in sorted(matters):
        async with write_transaction():
            await chain.advisory(chain.SEAL_LOCK, matter_id)
            linked += await chain.seal(matter_id)
    return linked


@shared_task(name="gridgov.community.closing_reminders")
def closing_reminders_task() -> int:
    return run_async(send_closing_reminders())


@shared_task(name="gridgov.community.seal_chains")
def seal_chains_task() -> int:
    return run_async(seal_pending_chains())
