"""Notifications: written to the outbox inside the transition's transaction, delivered after.

Delivery is at least once: :func:`deliver_pending` hands each undelivered row to every
registered hook and marks it delivered only when all of them succeeded, so a crash or a
failing hook means the row is offered again later. Hooks therefore deduplicate by the
outbox row's ``id``; the built-in one (:func:`store_notification`) writes a
:class:`~grid.cases.tables.Notification` with that id as a unique key, in the same
transaction that marks the row delivered. Bots register their own hooks with
:func:`register_hook`.

On PostgreSQL rows are taken with ``FOR UPDATE SKIP LOCKED`` so parallel deliverers never
hold the same row; on SQLite write transactions are serialised anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend import clock, metrics
from backend.db import is_sqlite, write_transaction
from backend.errors import not_found
from grid.actors import Actor
from grid.cases.tables import Notification, Outbox, RecipientKind

log = logging.getLogger("gridgov.cases.outbox")

Hook = Callable[[dict[str, Any]], Awaitable[None]]
_hooks: dict[str, Hook] = {}
_kicker: Callable[[], None] | None = None
MAX_ATTEMPTS = 20


def register_hook(name: str, hook: Hook) -> None:
    """Add (or replace) a delivery hook; it gets each outbox row as a dict."""
    _hooks[name] = hook


def unregister_hook(name: str) -> None:
    _hooks.pop(name, None)


def set_kicker(kicker: Callable[[], None] | None) -> None:
    """What to call after a commit that wrote notifications (e.g. queue a delivery task)."""
    global _kicker
    _kicker = kicker


def after_commit() -> None:
    """Ask for delivery now; the periodic delivery task is the fallback if this is lost."""
    if _kicker is not None:
        try:
            _kicker()
        except Exception:  # a lost kick only delays delivery until the periodic run
            log.warning("could not queue outbox delivery", exc_info=True)


@dataclass(frozen=True)
class Note:
    """One notification to write with a transition."""

    kind: str
    recipient_kind: RecipientKind
    recipient_id: str
    payload: dict[str, Any]


def rows(notes: list[Note], case_id: int | None = None) -> list[Outbox]:
    now = clock.now()
    return [
        Outbox(
            kind=n.kind,
            recipient_kind=n.recipient_kind,
            recipient_id=n.recipient_id,
            payload={**n.payload, "case_id": case_id} if case_id else n.payload,
            created_at=now,
        )
        for n in notes
    ]


async def write(notes: list[Note], case_id: int | None = None) -> None:
    """Insert outbox rows (call inside the transition's transaction)."""
    if notes:
        await Outbox.insert(*rows(notes, case_id))


async def store_notification(row: dict[str, Any]) -> None:
    """The built-in hook: a row people can list as "my notifications" (deduplicated)."""
    if await Notification.exists().where(Notification.outbox_id == row["id"]):
        return
    payload = row["payload"]
    if isinstance(payload, str):
        import json

        payload = json.loads(payload)
    await Notification.insert(
        Notification(
            outbox_id=row["id"],
            kind=row["kind"],
            recipient_kind=row["recipient_kind"],
            recipient_id=row["recipient_id"],
            case=payload.get("case_id"),
            payload=payload,
            created_at=clock.now(),
        )
    )


register_hook("notification_table", store_notification)


async def _take(batch: int, ids: list[int] | None) -> list[dict[str, Any]]:
    query = (
        Outbox.select()
        .where(Outbox.delivered_at.is_null() & (Outbox.attempts < MAX_ATTEMPTS))
        .order_by(Outbox.id)
        .limit(batch)
    )
    if ids:
        query = query.where(Outbox.id.is_in(ids))
    if not is_sqlite():
        query = query.lock_rows("UPDATE", skip_locked=True)
    return await query


async def _offer(row: dict[str, Any]) -> str | None:
    """Hand the row to every hook; the first failure (logged and counted per hook), or None."""
    for name, hook in list(_hooks.items()):
        try:
            await hook(row)
        except Exception as exc:
            log.warning("outbox %s: delivery via %s failed", row["id"], name, exc_info=True)
            metrics.notification_failed(name)
            return f"{name}: {exc!r}"
    return None


async def deliver_pending(batch: int = 200, ids: list[int] | None = None) -> int:
    """Deliver undelivered rows, a batch per transaction; the number delivered."""
    delivered = 0
    while True:
        async with write_transaction():
            rows = await _take(batch, ids)
            for row in rows:
                failure = await _offer(row)
                if failure is not None:
                    await Outbox.update(
                        {Outbox.attempts: row["attempts"] + 1, Outbox.last_error: failure[:500]}
                    ).where(Outbox.id == row["id"])
                    continue
                await Outbox.update(
                    {Outbox.delivered_at: clock.now(), Outbox.attempts: row["attempts"] + 1}
                ).where(Outbox.id == row["id"])
                delivered += 1
        if len(rows) < batch:
            return delivered


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    case_id: int | None
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


def _mine(actor: Actor) -> Any:
    condition = (Notification.recipient_kind == RecipientKind.staff) & (
        Notification.recipient_id == str(actor.id)
    )
    units = sorted({str(g.unit_id) for g in actor.grants})
    if units:
        condition = condition | (
            (Notification.recipient_kind == RecipientKind.unit)
            & Notification.recipient_id.is_in(units)
        )
    departments = sorted({str(g.department_id) for g in actor.grants if g.department_id})
    if departments:
        condition = condition | (
            (Notification.recipient_kind == RecipientKind.department)
            & Notification.recipient_id.is_in(departments)
        )
    if actor.kind == "resident":
        condition = (Notification.recipient_kind == RecipientKind.resident) & (
            Notification.recipient_id == str(actor.id)
        )
    return condition


async def my_notifications(
    actor: Actor, *, unread_only: bool = False, offset: int = 0, limit: int = 50
) -> tuple[list[NotificationView], int]:
    """Notifications for the actor, their units (where they hold a grant) and departments."""
    condition = _mine(actor)
    if unread_only:
        condition = condition & Notification.read_at.is_null()
    rows = (
        await Notification.select()
        .where(condition)
        .order_by(Notification.id, ascending=False)
        .offset(offset)
        .limit(limit)
    )
    total = await Notification.count().where(condition)
    views = []
    for r in rows:
        payload = r["payload"]
        if isinstance(payload, str):
            import json

            payload = json.loads(payload)
        views.append(
            NotificationView(r["id"], r["kind"], r["case"], payload, r["created_at"], r["read_at"])
        )
    return views, total


async def mark_read(actor: Actor, notification_id: int) -> None:
    async with write_transaction():
        found = (
            await Notification.select(Notification.id)
            .where((Notification.id == notification_id) & _mine(actor))
            .first()
        )
        if found is None:
            raise not_found("notification", notification_id)
        await Notification.update({Notification.read_at: clock.now()}).where(
            (Notification.id == notification_id) & Notification.read_at.is_null()
        )
