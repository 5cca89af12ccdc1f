"""Soak: a mixed load at 5× Chongqing's average city-wide rate against a real server and worker.

``gridgov serve`` (one process, PostgreSQL) and ``gridgov worker`` (Celery over Redis) run as
an operator starts them; this process is the city: at fixed rates (open loop — a slow answer
does not slow the arrivals) it sends

* **report** — a JSON report of a grid worker (``POST /api/v1/cases``),
* **photo report** — a phone photo upload then a report carrying it,
* **triage** — each report filed then dispatched by the grid leader (two actions per report),
* **vote** — an owner's ballot through the mini-program (signed in through a fake WeChat),
* **kpi** — a street center reading its month's KPIs,

and samples the resident set size of the server's and the worker's process trees every 2 s.
It opens with a burst of a few requests of each kind at once, so the warm-up (left out of the
memory trend) includes the run's peak concurrency.
At the end it prints p50/p99 and errors per kind and the memory after warm-up: its growth
(mean of the last third of samples − mean of the first third) and the least-squares slope.
The rate arithmetic and the figures are in ``docs/reliability.md`` ("6. Load").

    .venv/bin/python bench/soak.py --minutes 10          # the full soak
    .venv/bin/python bench/soak.py --seconds 60 --warmup 40   # the CI test's short form

Needs PostgreSQL (``GRIDGOV_BENCH_PG``, default 127.0.0.1:5432) and Redis
(``GRIDGOV_BENCH_REDIS``, default redis://127.0.0.1:6379/13); the database is dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bench_env, fresh_database, open_world, percentile  # noqa: E402

REDIS = os.environ.get("GRIDGOV_BENCH_REDIS", "redis://127.0.0.1:6379/13")

#: Chongqing's three-level centers had handled 7.79 million events by August 2025 (Chongqing
#: Daily, 2025-08-18). Read as ONE year's volume (it is the total of about two, so this
#: overstates the rate): 7.79e6 / 31 536 000 s = 0.247 reports/s city-wide on average.
CITY_REPORTS_PER_S = 7.79e6 / (365 * 86_400)
FACTOR = 5
#: Requests per second of each kind at 5× (see docs/reliability.md for the assumptions).
REPORTS = FACTOR * CITY_REPORTS_PER_S  # 1.235/s, of which
PHOTO_SHARE = 0.4  # 40 % carry a photo
RATES = {
    "report": REPORTS * (1 - PHOTO_SHARE),
    "photo_report": REPORTS * PHOTO_SHARE,
    "vote": 1.0,  # assumed: 86 400 ballots a day city-wide, far above any average
    "kpi": 0.5,  # assumed: 1 031 street centers each refreshing a dashboard every ~35 min, ×5
}
# triage: every report (with or without photo) is filed and dispatched: 2 × REPORTS per second
KINDS = ["report", "photo_report", "triage", "vote", "kpi"]
SAMPLE_EVERY_S = 2.0


@dataclass
class Stats:
    """Every request counts for errors; latencies only after warm-up (``since``), so the
    opening burst and cold caches do not make the p99."""

    since: float = 0.0
    requests: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    error_samples: list[str] = field(default_factory=list)

    def record(self, kind: str, started: float, ok: bool, what: str = "") -> None:
        self.requests[kind] += 1
        if started >= self.since:
            self.latencies[kind].append(time.perf_counter() - started)
        if not ok:
            self.errors[kind] += 1
            if len(self.error_samples) < 10:
                self.error_samples.append(f"{kind}: {what[:300]}")


# --- memory of a process tree ---------------------------------------------------------------


def tree_rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` and all its descendants (Linux ``/proc``), in MB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def memory_trend(samples: list[tuple[float, float]], warmup_s: float) -> dict[str, float]:
    """After warm-up: growth (last third's mean − first third's, MB) and slope (MB/min)."""
    kept = [(t, m) for t, m in samples if t >= warmup_s]
    if len(kept) < 6:
        raise ValueError(f"too few memory samples after warm-up ({len(kept)})")
    third = len(kept) // 3
    first = sum(m for _, m in kept[:third]) / third
    last = sum(m for _, m in kept[-third:]) / third
    n = len(kept)
    mean_t = sum(t for t, _ in kept) / n
    mean_m = sum(m for _, m in kept) / n
    cov = sum((t - mean_t) * (m - mean_m) for t, m in kept)
    var = sum((t - mean_t) ** 2 for t, _ in kept)
    return {
        "start_mb": kept[0][1],
        "end_mb": kept[-1][1],
        "peak_mb": max(m for _, m in kept),
        "growth_mb": last - first,
        "growth_pct": 100 * (last - first) / first,
        "slope_mb_per_min": 60 * cov / var if var else 0.0,
    }


# --- the city ----------------------------------------------------------------------------------


async def setup(url: str, var_dir: Path, voters: int) -> dict[str, Any]:
    """Personas, an estate of ``voters`` owners with a matter open for voting (real clock)."""
    from backend import db
    from tests.cases_support import POINTS, category_id
    from tests.estate import build_estate, open_matter

    settings, engine, world = await open_world(bench_env(url, var_dir))
    estate = await build_estate(world, voters)
    matter = await open_matter(world, estate, hours=6, frozen=False)
    facts = {
        "world": world,
        "estate": estate,
        "matter_id": matter["id"],
        "category_id": await category_id("0101"),
        "point": POINTS["grid_a1_1"],
        "worker_id": world.staff["grid_worker_a"],
        "street_a": world.units["street_a"],
        "pii_key": settings.pii_key,
        "secret_key": settings.secret_key,
    }
    await db.close_pool(engine)
    return facts


async def sign_in_voters(client: Any, fake: Any, facts: dict[str, Any], n: int) -> list[dict]:
    """Mini-program sessions of ``n`` owners, each bound to their resident record over HTTP."""
    from tests.mp_support import bind_resident, sign_in

    world, estate = facts["world"], facts["estate"]
    sessions = []
    for i in range(n):
        headers = await sign_in(client, fake)
        await bind_resident(client, world, headers, estate.resident_ids[i])
        sessions.append(headers)
    return sessions


def photo(seed: int, lon: float, lat: float) -> bytes:
    from tests.media_samples import phone_jpeg

    return phone_jpeg(1600, 1200, seed=seed, lon=lon, lat=lat)


class City:
    """The load: one coroutine per kind, each launching requests at its rate."""

    def __init__(self, client: Any, facts: dict[str, Any], voters: list[dict], stats: Stats):
        self.client, self.facts, self.voters, self.stats = client, facts, voters, stats
        self.world = facts["world"]
        self.next_voter = 0
        self.photo_seed = 50_000
        self.pending: set[asyncio.Task[None]] = set()

    def report_body(self, photo_ids: list[int] | None = None) -> dict[str, Any]:
        lon, lat = self.facts["point"]
        body: dict[str, Any] = {
            "category_id": self.facts["category_id"],
            "description": "soak: 小区门口暴露垃圾",
            "client_id": uuid.uuid4().hex,
            "lon": lon,
            "lat": lat,
        }
        if photo_ids:
            body["photo_ids"] = photo_ids
        return body

    async def call(self, kind: str, method: str, path: str, **kw: Any) -> Any:
        started = time.perf_counter()
        try:
            answer = await self.client.request(method, path, **kw)
        except Exception as exc:  # a refused connection or a timeout is an error of the run
            self.stats.record(kind, started, False, f"{path}: {exc!r}")
            return None
        ok = answer.status_code < 400
        self.stats.record(kind, started, ok, f"{path}: {answer.status_code} {answer.text}")
        return answer if ok else None

    async def triage(self, case_id: int) -> None:
        leader = self.world.headers("grid_leader_a")
        url = f"/api/v1/cases/{case_id}"
        if await self.call("triage", "POST", url + "/file", json={}, headers=leader):
            target = {"kind": "staff", "target_id": self.facts["worker_id"]}
            await self.call("triage", "POST", url + "/dispatch", json=target, headers=leader)

    async def report(self) -> None:
        worker = self.world.headers("grid_worker_a")
        made = await self.call(
            "report", "POST", "/api/v1/cases", json=self.report_body(), headers=worker
        )
        if made is not None:
            await self.triage(made.json()["id"])

    async def photo_report(self) -> None:
        worker = self.world.headers("grid_worker_a")
        self.photo_seed += 1
        blob = await asyncio.to_thread(photo, self.photo_seed, *self.facts["point"])
        started = time.perf_counter()
        try:  # the two requests are one photo report: its latency is theirs together
            up = await self.client.post(
                "/api/v1/media/photos/",
                files={"file": ("IMG.jpg", blob, "image/jpeg")},
                headers=worker,
            )
            ok = up.status_code == 201
            made = None
            if ok:
                body = self.report_body([up.json()["id"]])
                made = await self.client.post("/api/v1/cases", json=body, headers=worker)
                ok = made.status_code == 201
            what = made.text if made is not None else up.text
            self.stats.record("photo_report", started, ok, what)
        except Exception as exc:
            self.stats.record("photo_report", started, False, repr(exc))
            return
        if ok and made is not None:
            await self.triage(made.json()["id"])

    async def vote(self) -> None:
        if self.next_voter >= len(self.voters):
            return
        headers = self.voters[self.next_voter]
        self.next_voter += 1
        path = f"/mp/v1/matters/{self.facts['matter_id']}/ballot"
        await self.call("vote", "POST", path, json={"choice": "agree"}, headers=headers)

    async def kpi(self) -> None:
        today = date.today()
        start = today.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        path = f"/api/v1/units/{self.facts['street_a']}/kpis/?start={start}&end={end}"
        await self.call("kpi", "GET", path, headers=self.world.headers("street_a_staff"))

    async def arrivals(
        self, rate: float, make: Callable[[], Awaitable[None]], until: float
    ) -> None:
        """Launch ``make()`` every 1/rate s until ``until`` without waiting for the answers."""
        interval, at = 1 / rate, time.perf_counter()
        while at < until:
            task = asyncio.create_task(make())
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)
            at += interval
            await asyncio.sleep(max(0.0, at - time.perf_counter()))

    async def burst(self) -> None:
        """A few of each kind at once, first: the server's allocations reach the peak
        concurrency of the run (Pillow buffers of overlapping decodes, pool connections)
        during warm-up, not at a random moment in the measured window."""
        await asyncio.gather(
            *(self.photo_report() for _ in range(4)),
            *(self.report() for _ in range(4)),
            *(self.kpi() for _ in range(4)),
        )

    async def run(self, seconds: float) -> None:
        until = time.perf_counter() + seconds
        await self.burst()
        makers = {
            "report": self.report,
            "photo_report": self.photo_report,
            "vote": self.vote,
            "kpi": self.kpi,
        }
        await asyncio.gather(*(self.arrivals(RATES[k], makers[k], until) for k in makers))
        if self.pending:
            await asyncio.wait(self.pending, timeout=60)


# --- the processes -----------------------------------------------------------------------------


@contextlib.contextmanager
def processes(env: dict[str, str], port: int, logs: Path) -> Iterator[tuple[Any, Any]]:
    from tests.servers import gridgov_serve, gridgov_worker

    with (
        gridgov_serve(env, port, log=logs / "serve.log") as server,
        gridgov_worker(env, "--pool=solo", log=logs / "worker.log") as worker,
    ):
        yield server, worker


async def sampler(
    pids: dict[str, int], samples: dict[str, list[tuple[float, float]]], t0: float
) -> None:
    while True:
        now = time.perf_counter() - t0
        for name, pid in pids.items():
            samples[name].append((now, tree_rss_mb(pid)))
        await asyncio.sleep(SAMPLE_EVERY_S)


async def soak(seconds: float, warmup_s: float) -> dict[str, Any]:
    import httpx

    from tests.fake_wechat import APPID, SECRET, FakeWeChat
    from tests.servers import free_port, serve_env

    voters = int(RATES["vote"] * seconds) + 5
    tmp = Path(tempfile.mkdtemp(prefix="gridgov-soak-"))
    fake = FakeWeChat().start()
    queue = f"soak-{uuid.uuid4().hex[:6]}"
    try:
        async with fresh_database("gridgov_soak") as url:
            t = time.perf_counter()
            facts = await setup(url, tmp / "var", voters)
            env = serve_env(
                tmp / "var",
                url,
                GRIDGOV_ENV="dev",
                GRIDGOV_BROKER_URL=REDIS,
                GRIDGOV_TASK_QUEUE=queue,
                GRIDGOV_PII_KEY=facts["pii_key"],
                GRIDGOV_SECRET_KEY=facts["secret_key"],
                GRIDGOV_WECHAT_MP_APPID=APPID,
                GRIDGOV_WECHAT_MP_SECRET=SECRET,
                GRIDGOV_WECHAT_API_URL=fake.url,
            )
            port = free_port()
            with processes(env, port, tmp) as (server, worker):
                base = f"http://127.0.0.1:{port}"
                limits = httpx.Limits(max_connections=64)
                async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
                    from backend import db
                    from backend.config import load_settings

                    db.ensure_engine(load_settings({"GRIDGOV_DATABASE_URL": url}))
                    sessions = await sign_in_voters(client, fake, facts, voters)
                    setup_s = time.perf_counter() - t
                    print(
                        f"setup {setup_s:.0f} s ({voters} owners signed in); soaking {seconds:.0f} s"
                    )
                    stats = Stats()
                    samples: dict[str, list[tuple[float, float]]] = {"server": [], "worker": []}
                    t0 = time.perf_counter()
                    stats.since = t0 + warmup_s
                    watch = asyncio.create_task(
                        sampler({"server": server.pid, "worker": worker.pid}, samples, t0)
                    )
                    load_before = os.getloadavg()[0]
                    await City(client, facts, sessions, stats).run(seconds)
                    watch.cancel()
                    elapsed = time.perf_counter() - t0
                    undelivered = await pending_outbox(url)
                alive = server.poll() is None and worker.poll() is None
    finally:
        fake.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "seconds": seconds,
        "elapsed": elapsed,
        "warmup_s": warmup_s,
        "setup_s": setup_s,
        "load": (load_before, os.getloadavg()[0]),
        "kinds": {
            k: {
                "requests": stats.requests[k],
                "measured": len(v),
                "errors": stats.errors[k],
                "p50_ms": 1000 * percentile(v, 50) if v else 0.0,
                "p99_ms": 1000 * percentile(v, 99) if v else 0.0,
                "max_ms": 1000 * max(v) if v else 0.0,
            }
            for k, v in stats.latencies.items()
        },
        "error_samples": stats.error_samples,
        "memory": {name: memory_trend(s, warmup_s) for name, s in samples.items()},
        "rss_samples": samples,
        "outbox_undelivered": undelivered,
        "processes_alive": alive,
    }


async def pending_outbox(url: str) -> int:
    """Outbox rows the worker has not delivered yet (given 30 s to catch up)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        deadline = time.monotonic() + 30
        while True:
            n = int(await conn.fetchval("SELECT count(*) FROM outbox WHERE delivered_at IS NULL"))
            if n == 0 or time.monotonic() > deadline:
                return n
            await asyncio.sleep(1)
    finally:
        await conn.close()


def table(res: dict[str, Any]) -> str:
    labels = {
        "report": "report (JSON)",
        "photo_report": "photo report (upload + report)",
        "triage": "triage action (file, dispatch)",
        "vote": "vote (mini-program ballot)",
        "kpi": "KPI read (street, month)",
    }
    lines = [
        "| kind | target rate | requests | errors | after warm-up: p50 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for k, label in labels.items():
        x = res["kinds"][k]
        rate = 2 * REPORTS if k == "triage" else RATES[k]
        lines.append(
            f"| {label} | {rate:.2f}/s | {x['requests']:,} | {x['errors']} | {x['p50_ms']:.0f} ms "
            f"| {x['p99_ms']:.0f} ms | {x['max_ms']:.0f} ms |"
        )
    lines += [
        "",
        "| process tree | RSS after warm-up | at the end | peak | growth (last − first third) "
        "| slope |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, m in res["memory"].items():
        lines.append(
            f"| `gridgov {'serve' if name == 'server' else 'worker'}` | {m['start_mb']:.0f} MB "
            f"| {m['end_mb']:.0f} MB | {m['peak_mb']:.0f} MB | {m['growth_mb']:+.1f} MB "
            f"({m['growth_pct']:+.1f} %) | {m['slope_mb_per_min']:+.2f} MB/min |"
        )
    lines += [
        "",
        f"{res['elapsed']:.0f} s of load after {res['setup_s']:.0f} s of setup, warm-up "
        f"{res['warmup_s']:.0f} s left out of latencies and memory; load average {res['load'][0]:.1f} → "
        f"{res['load'][1]:.1f}; outbox rows left undelivered: {res['outbox_undelivered']}; "
        f"server and worker alive at the end: {'yes' if res['processes_alive'] else 'NO'}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float)
    length.add_argument("--seconds", type=float)
    parser.add_argument("--warmup", type=float, help="seconds left out of the memory trend")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    seconds = args.seconds or 60 * (args.minutes or 10)
    # the server's RSS takes one step about 30 s into the load, then stays flat: warm up past it
    warmup = args.warmup if args.warmup is not None else min(60.0, seconds * 2 / 3)
    res = asyncio.run(soak(seconds, warmup))
    print(table(res))
    for sample in res["error_samples"]:
        print("error:", sample)
    if args.json:
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
