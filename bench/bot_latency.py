"""Benchmark: from a chat tap that dispatches a case to the worker's chat message.

A community staff member taps "立案并派遣本单位" (the callback of a new-case notice); the
webhook update goes through the Litestar app and PTB, the case is filed and dispatched to its
grid, the outbox row is delivered to the grid's linked worker and the fake Bot API (uvicorn on
127.0.0.1, real HTTP) records the sendMessage. Latency = arrival at the fake − the moment the
update was posted, one case at a time, over ``--cases`` cases, for two delivery paths:

* ``inprocess``: the app delivers on its own event loop right after the commit;
* ``celery``: the app queues ``gridgov.cases.deliver_outbox`` on Redis and a real Celery
  worker process (``--pool=solo``) delivers with its own Telegram client.

Fresh PostgreSQL database, migrated by the real code, the test personas. Target: p99 < 1 s.

The same-run baseline: a plain HTTP ``sendMessage`` from this process to the same fake, timed
the same way (the floor of any delivery). ``--held`` fills the table with that many closed
cases first; ``measure(size)`` (for ``bench/run_all.py``): the data that grows is the cases held.

Run: ``.venv/bin/python bench/bot_latency.py`` (``--cases 100`` quick; ``--paths inprocess``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    bench_env,
    fresh_database,
    hold_cases,
    open_world,
    percentile,
    print_summary,
    quantity,
    result,
)

REDIS = os.environ.get("GRIDGOV_BENCH_REDIS", "redis://127.0.0.1:6379/14")


async def direct_sends(fake: Any, chat: int, n: int) -> list[float]:
    """The baseline: a plain HTTP sendMessage to the same fake Bot API, until it records it."""
    import httpx

    from tests.telegram_support import TOKEN

    latencies = []
    async with httpx.AsyncClient(base_url=fake.url) as client:
        for i in range(n + 5):
            sent = time.monotonic()
            seen = len(fake.calls)
            r = await client.post(
                f"/bot{TOKEN}/sendMessage", json={"chat_id": chat, "text": f"baseline {i}"}
            )
            r.raise_for_status()
            arrived = next(c for c in fake.calls[seen:] if c.params.get("text") == f"baseline {i}")
            if i >= 5:  # after the same 5 warm-up sends
                latencies.append(arrived.at - sent)
    return latencies


async def make_cases(world: Any, n: int) -> list[int]:
    from grid.cases.services.intake import ReportDraft, report_case
    from grid.cases.tables import Channel
    from tests.cases_support import POINTS, category_id

    cat = await category_id("0101")
    lon, lat = POINTS["grid_a1_1"]
    ids = []
    for _ in range(n):
        draft = ReportDraft(
            category_id=cat,
            description="路边有一堆暴露垃圾",
            client_id=uuid.uuid4().hex,
            channel=Channel.console,
            lon=lon,
            lat=lat,
        )
        ids.append(int((await report_case(world.actors["grid_worker_a"], draft)).case["id"]))
    return ids


async def taps(
    harness: Any, fake: Any, dispatcher: int, worker: int, ids: list[int]
) -> list[float]:
    from tests.telegram_support import button

    latencies = []
    seen = 0
    for case_id in ids:
        marker = f"start:{case_id}"
        pressed = time.monotonic()
        await harness.send(button(dispatcher, f"dispatch:{case_id}"))
        deadline = pressed + 30
        arrived = None
        while arrived is None:
            calls = fake.calls
            for call in calls[seen:]:
                if (
                    call.method == "sendMessage"
                    and str(call.params.get("chat_id")) == str(worker)
                    and marker in json.dumps(call.params.get("reply_markup"))
                ):
                    arrived = call
            if arrived is None:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"case {case_id}: no message within 30 s")
                await asyncio.sleep(0.002)
        seen = len(fake.calls)
        latencies.append(arrived.at - pressed)
    return latencies


async def run(n: int, paths: list[str], held: int = 0) -> dict[str, Any]:
    import dataclasses

    from backend import db
    from bots import delivery
    from bots.runtime import InProcessDelivery
    from grid.cases.services import outbox
    from grid.cases.tasks import kick_delivery
    from tests.fake_telegram import FakeBotApi
    from tests.telegram_support import SECRET, TOKEN, BotHarness, next_id, text
    from tests.workers import celery_worker

    database = fresh_database()
    url = await database.__aenter__()
    queue = f"bench-bots-{uuid.uuid4().hex[:6]}"
    tmp = Path(tempfile.mkdtemp(prefix="gridgov-bench-"))
    fake = FakeBotApi().start()
    env = {
        **bench_env(url, tmp),
        "GRIDGOV_BROKER_URL": REDIS,
        "GRIDGOV_TASK_QUEUE": queue,
        "GRIDGOV_TELEGRAM_TOKEN": TOKEN,
        "GRIDGOV_TELEGRAM_SECRET": SECRET,
        "GRIDGOV_TELEGRAM_API_URL": fake.url,
    }
    os.environ.update(env)  # the Celery kicker and worker read the same settings
    results: dict[str, list[float]] = {}
    try:
        settings, engine, world = await open_world(env)
        held_s = await hold_cases(url, world, held)
        harness = await BotHarness(dataclasses.replace(settings)).start()
        chats = {}
        for persona in ("community_staff_a", "grid_worker_a"):
            chat = next_id()
            issued = await harness.http.post(
                "/api/v1/bots/link-codes", headers=world.headers(persona)
            )
            await harness.send(text(chat, f"/link {issued.json()['code']}"))
            chats[persona] = chat
        for path in paths:
            ids = await make_cases(world, n + 5)
            delivery.unregister_sender("telegram")  # the new-case notices are not measured
            await outbox.deliver_pending()
            delivery.register_sender("telegram", harness.bot.send)
            args = (harness, fake, chats["community_staff_a"], chats["grid_worker_a"])
            if path == "inprocess":
                outbox.set_kicker(InProcessDelivery())
                await taps(*args, ids[:5])  # warm-up
                results[path] = await taps(*args, ids[5:])
            else:
                delivery.unregister_sender("telegram")  # only the worker delivers
                outbox.set_kicker(kick_delivery)
                with celery_worker(settings, REDIS, queue, log=tmp / "worker.log"):
                    await taps(*args, ids[:5])  # warm-up (worker start)
                    results[path] = await taps(*args, ids[5:])
            outbox.set_kicker(None)
        results["baseline"] = await direct_sends(fake, chats["grid_worker_a"], n)
        await harness.stop()
        await db.close_pool(engine)
    finally:
        fake.stop()
        await database.__aexit__(None, None, None)
        shutil.rmtree(tmp, ignore_errors=True)
    return {"n": n, "held": held, "held_s": held_s, "results": results}


def summarize(out: dict[str, Any]) -> dict[str, Any]:
    results = out["results"]
    lines = [
        f"{out['held']:,} cases held (generated in {out['held_s']:.1f} s), "
        f"{out['n']} taps per path, one at a time:",
        "",
        "| delivery path | taps | p50 | p99 | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for path, values in results.items():
        label = "baseline: plain HTTP sendMessage" if path == "baseline" else path
        lines.append(
            f"| {label} | {len(values)} | {percentile(values, 50) * 1000:.1f} ms "
            f"| {percentile(values, 99) * 1000:.1f} ms | {max(values) * 1000:.1f} ms |"
        )
    path = "inprocess" if "inprocess" in results else next(iter(results))
    p99 = percentile(results[path], 99) * 1000
    base = percentile(results["baseline"], 99) * 1000
    lines += ["", f"Target p99 < 1 s ({path}): **{'met' if p99 < 1000 else 'not met'}**."]
    return result(
        "bot_latency",
        data="cases held",
        size=out["held"],
        figure=quantity(f"tap → worker's message, p99 ({path})", p99, "ms"),
        baseline=quantity("plain HTTP sendMessage, p99", base, "ms"),
        ratio=p99 / base,
        cost=quantity(f"p99 ({path})", p99, "ms"),
        detail="\n".join(lines),
    )


def measure(size: int, quick: bool = False) -> dict[str, Any]:
    """Taps on both delivery paths with ``size`` cases held (fresh database, dropped after)."""
    paths = ["inprocess"] if quick else ["inprocess", "celery"]  # a worker start costs ~20 s
    return summarize(asyncio.run(run(10 if quick else 300, paths, size)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--paths", default="inprocess,celery")
    parser.add_argument("--held", type=int, default=0, help="cases already in the table")
    args = parser.parse_args()
    res = summarize(asyncio.run(run(args.cases, args.paths.split(","), args.held)))
    print()
    print(res["detail"])
    print_summary(res)


if __name__ == "__main__":
    main()
