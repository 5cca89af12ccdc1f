"""The outbox hook that brings case notifications to people's linked chats.

For each outbox row the recipients' chats are looked up (a person's own links, or the linked
staff of a unit or department) and each chat is sent to through its channel's sender. Every
chat's outcome is one :class:`~bots.tables.ChannelDelivery` row, so:

* a chat already sent to is skipped when the outbox offers the row again (at least once
  upstream, at most once per chat here);
* a transient failure (network, the platform's 429) is counted and makes the hook fail, so
  the outbox retries the row later;
* a permanent failure (the bot was blocked, the chat is gone) or the last allowed attempt
  is recorded as ``failed`` and never retried — the other chats of the row still get theirs.

Each channel has a rate limit (a token bucket per process), below the platforms' own limits
(Telegram allows about 30 messages a second per bot).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from backend import clock
from bots.links import chats_of
from bots.tables import ChannelDelivery, DeliveryStatus

log = logging.getLogger("gridgov.bots.delivery")

MAX_CHAT_ATTEMPTS = 5
HOOK_NAME = "bots"


class PermanentFailure(Exception):
    """The channel says this chat can never be reached (blocked, deleted): do not retry."""


@dataclass(frozen=True)
class Notice:
    """What a channel renders: the outbox row's kind, text and case."""

    outbox_id: int
    kind: str
    recipient_kind: str
    text: str
    case_id: int | None
    number: str


Sender = Callable[[str, Notice], Awaitable[None]]


class RateLimit:
    """A token bucket: at most ``rate`` sends a second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()
        self.lock = asyncio.Lock()

    async def take(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


_senders: dict[str, tuple[Sender, RateLimit]] = {}


def register_sender(channel: str, sender: Sender, *, rate: float = 25.0, burst: int = 25) -> None:
    _senders[channel] = (sender, RateLimit(rate, burst))


def unregister_sender(channel: str) -> None:
    _senders.pop(channel, None)


def notice_of(row: dict[str, Any]) -> Notice:
    payload = row["payload"]
    if isinstance(payload, str):
        payload = json.loads(payload)
    return Notice(
        outbox_id=row["id"],
        kind=row["kind"],
        recipient_kind=row["recipient_kind"],
        text=str(payload.get("text", "")),
        case_id=payload.get("case_id"),
        number=str(payload.get("number", "")),
    )


async def _record(
    existing: dict[str, Any] | None,
    row_id: int,
    channel: str,
    chat: str,
    status: DeliveryStatus,
    error: str = "",
) -> None:
    attempts = (existing["attempts"] if existing else 0) + 1
    now = clock.now()
    if existing:
        await ChannelDelivery.update(
            {
                ChannelDelivery.status: status,
                ChannelDelivery.attempts: attempts,
                ChannelDelivery.last_error: error[:500],
                ChannelDelivery.updated_at: now,
            }
        ).where(ChannelDelivery.id == existing["id"])
    else:
        await ChannelDelivery.insert(
            ChannelDelivery(
                outbox_id=row_id,
                channel=channel,
                external_id=chat,
                status=status,
                attempts=attempts,
                last_error=error[:500],
                updated_at=now,
            )
        )


async def deliver_to_chats(row: dict[str, Any]) -> None:
    """The outbox hook (see module docstring); raises if a chat should be tried again."""
    if not _senders:  # no channel configured in this process
        return
    chats = [
        c for c in await chats_of(row["recipient_kind"], row["recipient_id"]) if c[0] in _senders
    ]
    if not chats:
        return
    notice = notice_of(row)
    done = {
        (d["channel"], d["external_id"]): d
        for d in await ChannelDelivery.select().where(ChannelDelivery.outbox_id == row["id"])
    }
    retry = 0
    for channel, chat in chats:
        existing = done.get((channel, chat))
        if existing and existing["status"] != DeliveryStatus.retrying:
            continue
        sender, limit = _senders[channel]
        await limit.take()
        try:
            await sender(chat, notice)
        except PermanentFailure as exc:
            log.warning("outbox %s to %s chat: permanent failure", row["id"], channel)
            await _record(existing, row["id"], channel, chat, DeliveryStatus.failed, repr(exc))
            continue
        except Exception as exc:
            attempts = (existing["attempts"] if existing else 0) + 1
            final = attempts >= MAX_CHAT_ATTEMPTS
            status = DeliveryStatus.failed if final else DeliveryStatus.retrying
            log.warning("outbox %s to %s chat failed (attempt %s)", row["id"], channel, attempts)
            await _record(existing, row["id"], channel, chat, status, repr(exc))
            retry += 0 if final else 1
            continue
        await _record(existing, row["id"], channel, chat, DeliveryStatus.sent)
    if retry:
        raise RuntimeError(f"{retry} chat(s) to retry")


def install() -> None:
    """Plug the hook into the cases outbox (idempotent)."""
    from grid.cases.services import outbox

    outbox.register_hook(HOOK_NAME, deliver_to_chats)
