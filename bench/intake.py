"""Benchmark: a JSON report becomes a case over HTTP on PostgreSQL, beside two baselines.

One uvicorn process (``--workers N``: N processes, as ``gridgov serve --workers N`` runs them;
every endpoint alike) serves the real application plus two endpoints added for this run only:

* ``GET /bench/hello`` — Litestar hello world (the framework's floor);
* ``POST /bench/insert`` — a bare endpoint doing one Piccolo insert (the database's floor).

The load comes from a separate process: ``wrk`` (``apt-get install wrk``) with a Lua script
that gives every request its own ``client_id``, or, without wrk, a Python asyncio/httpx load
process (which saturates near 200 req/s on a small machine: use wrk for real figures). Each
endpoint gets the same connections and duration; the script prints req/s, p99
and the intake's ratio to the one-insert baseline (target: ≥ 50 % and p99 < 50 ms).

Run (PostgreSQL at 127.0.0.1:5432, trust auth; a fresh database is created and dropped):

    .venv/bin/python bench/intake.py                 # 50 connections, 10 s per endpoint
    .venv/bin/python bench/intake.py --duration 5 --connections 50 --load python
    .venv/bin/python bench/intake.py --held 1000000   # with 1e6 cases already in the table
    .venv/bin/python bench/intake.py --workers 2     # two server processes

``measure(size)`` (for ``bench/run_all.py``): the data that grows is the cases held; its cost
figure is the server's CPU per intake request (req/s depend on the load process too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
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
    PG_ADMIN,
    bench_env,
    free_port,
    hold_cases,
    open_world,
    print_summary,
    quantity,
    result,
)

WRK_SCRIPT = r"""
local counter = 0
local prefix = ""
init = function(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  prefix = string.format("%08x", math.random(0, 0x7fffffff))
end
request = function()
  counter = counter + 1
  local body = string.format(BODY, prefix .. "-" .. counter)
  return wrk.format(METHOD, PATH, HEADERS, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(99), latency:percentile(50),
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


# --- the server process --------------------------------------------------------------------


def bench_app() -> Any:
    """The real app plus the two baseline endpoints (a factory: each server process calls it)."""
    from litestar import get, post

    from backend.app import create_app
    from grid.cases.tables import Outbox

    @get("/bench/hello", sync_to_thread=False)
    def hello() -> dict[str, str]:
        return {"hello": "world"}

    @post("/bench/insert", status_code=201)
    async def one_insert(data: dict[str, Any]) -> dict[str, int]:
        row = await Outbox.insert(
            Outbox(kind="bench", recipient_kind="unit", recipient_id="0", payload=data)
        ).returning(Outbox.id)
        return {"id": row[0]["id"]}

    if os.environ.get("NO_KICK"):
        import backend.app

        backend.app.kick_delivery = lambda: None  # type: ignore[attr-defined]
    app = create_app(serving=True)
    app.register(hello)
    app.register(one_insert)
    return app


def serve(port: int, workers: int) -> None:
    """Run inside the server subprocess: uvicorn (uvloop, httptools) with ``workers``
    processes, as ``gridgov serve --workers N`` runs them."""
    import uvicorn

    from backend import metrics
    from backend.config import load_settings

    metrics.prepare(load_settings(), fresh=True)
    options: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "log_level": "warning",
        "access_log": False,
    }
    if workers > 1:
        sys.path.insert(0, str(ROOT / "bench"))  # the worker processes import this module
        uvicorn.run("intake:bench_app", factory=True, workers=workers, **options)
    else:
        uvicorn.run(bench_app(), **options)


# --- setting up the database -----------------------------------------------------------------


async def prepare(url: str, var_dir: Path, held: int = 0) -> dict[str, Any]:
    from backend import db
    from tests.cases_support import POINTS, category_id

    _, engine, world = await open_world(bench_env(url, var_dir))
    held_s = await hold_cases(url, world, held)
    lon, lat = POINTS["grid_a1_1"]
    out = {
        "held_s": held_s,
        "token": world.tokens["grid_worker_a"],
        "category_id": await category_id("0101"),
        "lon": lon,
        "lat": lat,
    }
    await db.close_pool(engine)
    return out


async def pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def count_cases(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT COUNT(*) FROM case_record"))
    finally:
        await conn.close()


# --- load generators ---------------------------------------------------------------------------


def wrk_run(
    base: str, spec: dict[str, Any], connections: int, duration: int, tmp: Path
) -> dict[str, float]:
    headers = "{" + ", ".join(f'["{k}"] = "{v}"' for k, v in spec["headers"].items()) + "}"
    body = json.dumps(spec["body"]).replace("%", "%%").replace('"__CLIENT_ID__"', '"%s"')
    script = tmp / f"{spec['name']}.lua"
    script.write_text(
        f'BODY = [[{body}]]\nMETHOD = "{spec["method"]}"\nPATH = "{spec["path"]}"\n'
        f"HEADERS = {headers}\n" + WRK_SCRIPT,
        encoding="utf-8",
    )
    threads = min(2, connections)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-s", str(script), base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    requests, micros, p99, p50, errors = (int(v) for v in line.split()[1:])
    return {
        "rps": requests / (micros / 1e6),
        "p99_ms": p99 / 1000,
        "p50_ms": p50 / 1000,
        "errors": errors,
        "requests": requests,
    }


PY_LOAD = r"""
import asyncio, json, sys, time, uuid
import httpx

async def main():
    base, spec, connections, duration = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    latencies, errors = [], 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        end = time.perf_counter() + duration
        async def user():
            nonlocal errors
            while time.perf_counter() < end:
                body = json.dumps(spec["body"]).replace("__CLIENT_ID__", uuid.uuid4().hex)
                t0 = time.perf_counter()
                r = await client.request(spec["method"], spec["path"], content=body if spec["method"] == "POST" else None, headers=spec["headers"])
                latencies.append(time.perf_counter() - t0)
                if r.status_code >= 300:
                    errors += 1
        t0 = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(connections)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(json.dumps({"rps": len(latencies) / elapsed, "p99_ms": p(0.99), "p50_ms": p(0.5), "errors": errors, "requests": len(latencies)}))

asyncio.run(main())
"""


def python_run(
    base: str, spec: dict[str, Any], connections: int, duration: int
) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", PY_LOAD, base, json.dumps(spec), str(connections), str(duration)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- main ---------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live descendants (Linux ``/proc``; 0 elsewhere):
    with ``--workers N`` the requests are served by uvicorn's child processes."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) for child in children)


def wait_for(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def run(
    connections: int,
    duration: int,
    load: str,
    held: int = 0,
    warmup: int = 2,
    workers: int = 1,
) -> dict[str, Any]:
    """Serve, load each endpoint in turn, and return the figures (the database is dropped)."""
    if load == "auto":
        load = "wrk" if shutil.which("wrk") else "python"
    name = f"gridgov_bench_{uuid.uuid4().hex[:8]}"
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    asyncio.run(pg(f'CREATE DATABASE "{name}"'))
    tmp = Path(tempfile.mkdtemp(prefix="gridgov-bench-"))
    server = None
    try:
        facts = asyncio.run(prepare(url, tmp, held))
        port = free_port()
        env = {
            **os.environ,
            "GRIDGOV_DATABASE_URL": url,
            "GRIDGOV_VAR_DIR": str(tmp),
            "GRIDGOV_BROKER_URL": f"filesystem://{tmp / 'broker'}",
            "GRIDGOV_ENV": "dev",
        }
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port), "--workers", str(workers)],
            env=env,
            cwd=ROOT,
        )
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        report = {
            "category_id": facts["category_id"],
            "description": "bench: 暴露垃圾",
            "client_id": "__CLIENT_ID__",
            "lon": facts["lon"],
            "lat": facts["lat"],
        }
        json_headers = {"Content-Type": "application/json"}
        specs = [
            {"name": "hello", "method": "GET", "path": "/bench/hello", "headers": {}, "body": {}},
            {
                "name": "insert",
                "method": "POST",
                "path": "/bench/insert",
                "headers": json_headers,
                "body": {"client_id": "__CLIENT_ID__"},
            },
            {
                "name": "intake",
                "method": "POST",
                "path": "/api/v1/cases",
                "headers": {**json_headers, "Authorization": f"Bearer {facts['token']}"},
                "body": report,
            },
        ]
        load_before = os.getloadavg()[0]
        print(f"machine load average before: {load_before:.1f} on {os.cpu_count()} CPUs")
        print(
            f"load: {load}, {connections} connections, {duration} s per endpoint, "
            f"server: {workers} uvicorn process(es), PostgreSQL, {held:,} cases held"
        )
        results = {}
        for spec in specs:
            # warm-up: pools, caches and the unit index fill up
            if warmup and load == "wrk":
                wrk_run(base, spec, 8, warmup, tmp)
            elif warmup:
                python_run(base, spec, 8, warmup)
            cpu0 = cpu_seconds(server.pid)
            results[spec["name"]] = (
                wrk_run(base, spec, connections, duration, tmp)
                if load == "wrk"
                else python_run(base, spec, connections, duration)
            )
            r = results[spec["name"]]
            r["cpu_ms"] = 1000 * (cpu_seconds(server.pid) - cpu0) / max(1, r["requests"])
            print(
                f"{spec['name']:>7}: {r['rps']:8.0f} req/s   p50 {r['p50_ms']:6.1f} ms   "
                f"p99 {r['p99_ms']:6.1f} ms   errors {int(r['errors'])}   "
                f"server CPU {r['cpu_ms']:.2f} ms/request"
            )
        cases = asyncio.run(count_cases(url))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        asyncio.run(pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "results": results,
        "load": load,
        "connections": connections,
        "duration": duration,
        "held": held,
        "held_s": facts["held_s"],
        "cases_made": cases - held,
        "load_avg": (load_before, os.getloadavg()[0]),
    }


def summarize(out: dict[str, Any]) -> dict[str, Any]:
    r = out["results"]
    intake, insert = r["intake"], r["insert"]
    met = intake["rps"] >= insert["rps"] / 2 and intake["p99_ms"] < 50
    lines = [
        f"{out['held']:,} cases held (generated in {out['held_s']:.1f} s); load from "
        f"{'wrk' if out['load'] == 'wrk' else 'a Python process (wrk missing: figures bounded by the load process)'}, "
        f"{out['connections']} connections, {out['duration']} s per endpoint; load average "
        f"{out['load_avg'][0]:.1f} → {out['load_avg'][1]:.1f}:",
        "",
        "| endpoint | req/s | p50 | p99 | errors | server CPU per request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "hello": "hello world",
        "insert": "one Piccolo insert",
        "intake": "report → case (`POST /api/v1/cases`)",
    }
    for key, label in labels.items():
        x = r[key]
        lines.append(
            f"| {label} | {x['rps']:,.0f} | {x['p50_ms']:.1f} ms | {x['p99_ms']:.1f} ms "
            f"| {int(x['errors'])} | {x['cpu_ms']:.2f} ms |"
        )
    lines += [
        "",
        f"intake / one-insert: **{intake['rps'] / insert['rps']:.0%}** of the req/s; cases made: "
        f"{out['cases_made']:,}; target ≥ 50 % and p99 < 50 ms: **{'met' if met else 'not met'}**.",
    ]
    return result(
        "intake",
        data="cases held",
        size=out["held"],
        figure=quantity("report → case", intake["rps"], "req/s"),
        baseline=quantity("one Piccolo insert", insert["rps"], "req/s"),
        ratio=intake["rps"] / insert["rps"],
        cost=quantity("server CPU per intake request", intake["cpu_ms"], "ms"),
        detail="\n".join(lines),
    )


def measure(size: int, quick: bool = False) -> dict[str, Any]:
    """The three endpoints with ``size`` cases held (fresh database, dropped after)."""
    if quick:
        return summarize(run(10, 1, "auto", size, warmup=0))
    return summarize(run(50, 10, "auto", size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--held", type=int, default=0, help="cases already in the table")
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (all endpoints alike)"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.workers)
        return
    res = summarize(
        run(args.connections, args.duration, args.load, args.held, workers=args.workers)
    )
    print()
    print(res["detail"])
    print_summary(res)


if __name__ == "__main__":
    main()
