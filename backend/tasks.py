"""Housekeeping tasks of the backend itself."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task

from backend import clock
from backend.celery_app import run_async
from backend.db import write_transaction
from backend.tables import AuthSession, LoginAttempt

#: Failed logins older than this no longer count for rate limits; sessions past expiry are dead.
KEEP_LOGIN_ATTEMPTS = timedelta(days=30)
KEEP_ENDED_SESSIONS = timedelta(days=30)

log = logging.getLogger(__name__)


async def prune_auth_records() -> dict[str, int]:
    """Delete login attempts and ended sessions old enough to matter to nobody (idempotent)."""
    now = clock.now()
    async with write_transaction():
        attempts = await LoginAttempt.count().where(LoginAttempt.at < now - KEEP_LOGIN_ATTEMPTS)
        await LoginAttempt.delete().where(LoginAttempt.at < now - KEEP_LOGIN_ATTEMPTS)
        ended = AuthSession.expires_at < now - KEEP_ENDED_SESSIONS
        sessions = await AuthSession.count().where(ended)
        await AuthSession.delete().where(ended)
    log.info("pruned auth records", extra={"login_attempts": attempts, "auth_sessions": sessions})
    return {"login_attempts": attempts, "sessions": sessions}


@shared_task(name="gridgov.prune_auth_records")
def prune_auth_records_task() -> dict[str, int]:
    return run_async(prune_auth_records())
