"""What the WeChat door has already seen, in the database so every app process shares it.

* A signed request's (timestamp, nonce): the signature covers only those two and the token,
  so a captured request would replay for as long as its timestamp is fresh. The first process
  to insert the pair wins; any later copy, to any process, is refused.
* A message's MsgId: WeChat posts a message again (up to three times) when the passive reply
  is slow, each time signed afresh. The first delivery claims the MsgId and stores its reply;
  a retry answers that same reply and never runs the flow twice (no second case).

Both are ``INSERT … ON CONFLICT DO NOTHING`` on one unique column, which holds on SQLite and
PostgreSQL alike. Rows older than the freshness window are deleted by :func:`prune_seen`
(``gridgov.bots.prune_seen``, every five minutes from the beat schedule).
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta

from backend import clock
from backend.db import write_transaction
from bots.tables import SeenKind, SeenRequest

#: How far a request's signed timestamp may be from our clock. WeChat retries an unanswered
#: message three times within about 15 s, each signed afresh; five minutes leaves room for
#: clock drift while a captured request soon stops being worth replaying.
MAX_SKEW_SECONDS = 300
#: How long a retry waits for the first delivery's reply (WeChat gives up after 5 s).
RETRY_WAIT_SECONDS = 4.0


def _hash(kind: SeenKind, *parts: str) -> str:
    return hashlib.sha256("\x1f".join([kind, *parts]).encode()).hexdigest()


async def _claim(kind: SeenKind, key_hash: str, at: datetime) -> bool:
    """True when this process is the first to see the key."""
    async with write_transaction():
        inserted = (
            await SeenRequest.insert(SeenRequest(kind=kind, key_hash=key_hash, at=at))
            .on_conflict(action="DO NOTHING")
            .returning(SeenRequest.id)
        )
    return bool(inserted)


async def first_use_of_nonce(stamp: int, nonce: str) -> bool:
    """Record the signed (timestamp, nonce); False when any process already accepted it."""
    at = datetime.fromtimestamp(stamp, tz=UTC)
    return await _claim(SeenKind.nonce, _hash(SeenKind.nonce, str(stamp), nonce), at)


async def claim_message(openid: str, msg_id: str) -> bool:
    """True for the first delivery of this message; a retry gets False."""
    key = _hash(SeenKind.message, openid, msg_id)
    return await _claim(SeenKind.message, key, clock.now())


async def keep_reply(openid: str, msg_id: str, reply: str) -> None:
    key = _hash(SeenKind.message, openid, msg_id)
    async with write_transaction():
        await SeenRequest.update({SeenRequest.reply: reply}).where(SeenRequest.key_hash == key)


async def release_message(openid: str, msg_id: str) -> None:
    """The first delivery failed before it had a reply: let WeChat's retry run it."""
    key = _hash(SeenKind.message, openid, msg_id)
    async with write_transaction():
        await SeenRequest.delete().where(SeenRequest.key_hash == key)


async def reply_of(openid: str, msg_id: str, wait: float = RETRY_WAIT_SECONDS) -> str | None:
    """The reply the first delivery gave, waiting a little while it is still being made;
    None when there is none (yet): the retry is then answered with no passive reply."""
    key = _hash(SeenKind.message, openid, msg_id)
    loop = asyncio.get_running_loop()
    until = loop.time() + wait
    while True:
        row = await SeenRequest.select(SeenRequest.reply).where(SeenRequest.key_hash == key).first()
        if row is not None and row["reply"]:
            return str(row["reply"])
        if row is None or loop.time() >= until:
            return None
        await asyncio.sleep(0.2)


async def prune_seen(now: datetime | None = None) -> int:
    """Forget what is older than the freshness window: such a request is refused as stale
    anyway, and WeChat stopped retrying long before. Idempotent."""
    cutoff = (now or clock.now()) - timedelta(seconds=MAX_SKEW_SECONDS)
    async with write_transaction():
        old = await SeenRequest.count().where(SeenRequest.at < cutoff)
        await SeenRequest.delete().where(SeenRequest.at < cutoff)
    return int(old)
