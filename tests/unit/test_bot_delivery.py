"""The per-channel rate limit of chat delivery (a token bucket)."""

from __future__ import annotations

import time

from bots.delivery import RateLimit


async def test_rate_limit_lets_a_burst_through_then_paces_sends() -> None:
    limit = RateLimit(rate=50.0, burst=5)
    started = time.monotonic()
    for _ in range(5):
        await limit.take()
    assert time.monotonic() - started < 0.05  # the burst is free
    for _ in range(10):
        await limit.take()
    assert time.monotonic() - started >= 10 / 50 * 0.95  # then 50 a second
