"""Celery wrappers of the cases domain (the Celery app and its loop live in backend/).

* ``gridgov.cases.sweep`` — every minute (beat): escalate overdue cases, then deliver the
  notifications the escalations wrote, in the same task (after their commit).
* ``gridgov.cases.deliver_outbox`` — queued after a commit that wrote notifications, and every
  few seconds by beat as the fallback when a queued run was lost. At least once; hooks
  deduplicate by outbox id.

Both are idempotent, as ``task_acks_late`` requires.
"""

from __future__ import annotations

import threading
from typing import Any

from celery import shared_task

from backend.celery_app import run_async
from grid.cases.services.outbox import deliver_pending
from grid.cases.services.sweep import sweep_overdue

SWEEP = "gridgov.cases.sweep"
DELIVER = "gridgov.cases.deliver_outbox"


async def sweep_and_deliver() -> dict[str, int]:
    result = await sweep_overdue()
    delivered = await deliver_pending()
    return {"escalated": result.escalated, "stopped": result.stopped, "delivered": delivered}


@shared_task(name=SWEEP)
def sweep_task() -> dict[str, Any]:
    return run_async(sweep_and_deliver())


@shared_task(name=DELIVER)
def deliver_outbox_task() -> int:
    return run_async(deliver_pending())


_in_flight = threading.Lock()


def kick_delivery() -> None:
    """Queue one delivery run after a commit, off the event loop; at most one send in flight
    (a kick skipped meanwhile is covered by the run in flight or by beat's periodic run)."""
    if not _in_flight.acquire(blocking=False):
        return

    def send() -> None:
        try:
            from backend import celery_app

            celery_app.app.send_task(DELIVER)
        finally:
            _in_flight.release()

    threading.Thread(target=send, name="gridgov-outbox-kick", daemon=True).start()
