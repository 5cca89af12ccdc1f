"""Celery wrappers of the cases domain (the Celery app and its loop live in backend/).

* ``gridgov.cases.sweep`` — every minute (beat): escalate overdue cases, then deliver the
  notifications the escalations wrote, in the same task (after their commit).
* ``gridgov.cases.deliver_outbox`` — queued after a commit that wrote notifications, and every
  few seconds by beat as the fallback when a queued run was lost. At least once; hooks
  deduplicate by outbox id.

Both are idempotent, as ``task_acks_late`` requires.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from celery import shared_task

from backend.celery_app import run_async
from grid.cases.services.outbox import deliver_pending
from grid.cases.services.sweep import sweep_overdue

log = logging.getLogger("gridgov.cases.tasks")

SWEEP = "gridgov.cases.sweep"
KICK_INTERVAL_S = 0.2
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


class _Kicker:
    """One sender thread per process: a kick only sets an event (cheap, never blocks the event
    loop); the thread sends one delivery task per wake-up and at most one per
    :data:`KICK_INTERVAL_S`, so a burst of commits coalesces into one delivery run."""

    def __init__(self) -> None:
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid = -1

    def __call__(self) -> None:
        if self.thread is None or self.pid != os.getpid() or not self.thread.is_alive():
            with self.lock:
                if self.thread is None or self.pid != os.getpid() or not self.thread.is_alive():
                    self.pid = os.getpid()
                    self.thread = threading.Thread(
                        target=self._run, name="gridgov-outbox-kick", daemon=True
                    )
                    self.thread.start()
        self.wake.set()

    def _run(self) -> None:
        from backend import celery_app

        while True:
            self.wake.wait()
            self.wake.clear()
            try:
                celery_app.app.send_task(DELIVER)
            except Exception:  # beat's periodic run delivers what a lost kick would have
                log.warning("could not queue outbox delivery", exc_info=True)
                time.sleep(1.0)
            # Kicks arriving meanwhile coalesce into the next send: at most a few sends a
            # second however busy the app is (each run delivers everything pending).
            time.sleep(KICK_INTERVAL_S)


#: Queue a delivery run after a commit that wrote notifications (set by the app's lifespan).
kick_delivery = _Kicker()
