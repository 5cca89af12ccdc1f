"""The WeChat door's memory of signed requests and messages, in the database: a nonce is
accepted once, a retried MsgId waits for and gets the first reply, old rows are pruned."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from backend import clock
from backend.celery_app import BEAT_SCHEDULE
from bots.tables import SeenRequest
from bots.wechat import seen
from tests.telegram_support import next_id

pytestmark = pytest.mark.usefixtures("settings")


async def test_a_nonce_is_accepted_once() -> None:
    stamp, nonce = int(time.time()), f"n-{next_id()}"
    assert await seen.first_use_of_nonce(stamp, nonce)
    assert not await seen.first_use_of_nonce(stamp, nonce)
    assert await seen.first_use_of_nonce(stamp + 1, nonce)  # another signed pair


async def test_a_retry_waits_for_the_first_deliverys_reply() -> None:
    openid, msg_id = f"o-{next_id()}", str(next_id())
    assert await seen.claim_message(openid, msg_id)
    assert not await seen.claim_message(openid, msg_id)

    async def answer_later() -> None:
        await asyncio.sleep(0.5)
        await seen.keep_reply(openid, msg_id, "上报成功")

    waiting = asyncio.create_task(seen.reply_of(openid, msg_id, wait=3.0))
    await answer_later()
    assert await waiting == "上报成功"


async def test_a_retry_of_a_message_still_without_reply_gets_none_in_time() -> None:
    openid, msg_id = f"o-{next_id()}", str(next_id())
    await seen.claim_message(openid, msg_id)
    started = time.monotonic()
    assert await seen.reply_of(openid, msg_id, wait=0.5) is None
    assert time.monotonic() - started < 2


async def test_a_failed_first_delivery_lets_the_retry_run() -> None:
    openid, msg_id = f"o-{next_id()}", str(next_id())
    assert await seen.claim_message(openid, msg_id)
    await seen.release_message(openid, msg_id)
    assert await seen.claim_message(openid, msg_id)


async def test_rows_older_than_the_freshness_window_are_pruned() -> None:
    clock.freeze(clock.now() - timedelta(seconds=seen.MAX_SKEW_SECONDS + 60))
    old_openid, old_msg = f"o-{next_id()}", str(next_id())
    await seen.claim_message(old_openid, old_msg)
    clock.reset()
    fresh_openid, fresh_msg = f"o-{next_id()}", str(next_id())
    await seen.claim_message(fresh_openid, fresh_msg)
    before = await SeenRequest.count()
    assert await seen.prune_seen() >= 1
    assert await SeenRequest.count() < before
    assert await seen.claim_message(old_openid, old_msg)  # forgotten
    assert not await seen.claim_message(fresh_openid, fresh_msg)  # still remembered
    assert await seen.prune_seen() == 0  # idempotent


def test_the_beat_prunes_seen_requests_within_the_window() -> None:
    entry = BEAT_SCHEDULE["bots-prune-seen"]
    assert entry["task"] == "gridgov.bots.prune_seen"
    assert entry["schedule"] <= seen.MAX_SKEW_SECONDS
