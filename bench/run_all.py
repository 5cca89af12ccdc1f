"""Run every benchmark at two data sizes and rewrite ``bench/RESULTS.md``.

Each bench runs in a fresh process per size (no engine, clock or environment leaks from one to
the next) through its ``measure(size, quick)`` function, which returns its figure, the
same-run baseline, their ratio and a cost; the runner puts them in one summary table with the
growth factor ``cost at 10× / cost at 1×``, then each bench's notes (``bench/notes/NAME.md``,
the prose that explains it) followed by this run's detail tables.

    .venv/bin/python -m bench.run_all                  # full sizes, writes bench/RESULTS.md
    .venv/bin/python -m bench.run_all --quick --out /tmp/r.md   # small sizes, short runs
    .venv/bin/python -m bench.run_all --only kpi,intake          # some benches

Needs PostgreSQL at ``GRIDGOV_BENCH_PG`` (default 127.0.0.1:5432, trust auth), Redis at
127.0.0.1:6379 for the Celery path of the bot bench, and ``wrk`` for the intake bench (looked
up on PATH; a full run installs it with ``apt-get`` when it may, else stops and says so —
``--allow-python-load`` accepts the much weaker Python load process instead).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import fmt

ROOT = Path(__file__).resolve().parent.parent
NOTES = ROOT / "bench" / "notes"
RESULTS = ROOT / "bench" / "RESULTS.md"


@dataclass(frozen=True)
class Bench:
    name: str  # module bench/NAME.py and notes bench/notes/NAME.md
    title: str
    grows: str  # what "the data grows 10×" means for this bench
    full: tuple[int, int]
    quick: tuple[int, int]


BENCHES = [
    Bench(
        "grid_lookup",
        "Grid lookup",
        "grids held (the polygons in the index and in the baseline's scan)",
        (6_450, 64_500),
        (300, 3_000),
    ),
    Bench(
        "intake",
        "Intake",
        "cases already in `case_record` when the reports arrive",
        (100_000, 1_000_000),
        (1_000, 10_000),
    ),
    Bench(
        "photo_intake",
        "Photo intake",
        "photos already stored (image and photo rows)",
        (10_000, 100_000),
        (100, 1_000),
    ),
    Bench(
        "escalation_sweep",
        "Escalation sweep",
        "cases held (a tenth of them open); the overdue batch stays the same",
        (100_000, 1_000_000),
        (1_000, 10_000),
    ),
    Bench(
        "kpi",
        "KPIs",
        "cases held over the year (the month's and the year's cohorts grow with them)",
        (100_000, 1_000_000),
        (2_000, 20_000),
    ),
    Bench(
        "vote_burst",
        "Vote burst",
        "owners on the frozen roll, every one of whom votes",
        (2_000, 20_000),
        (50, 500),
    ),
    Bench(
        "bot_latency",
        "Bot latency",
        "cases already in `case_record` when the taps arrive",
        (10_000, 100_000),
        (100, 1_000),
    ),
]


# --- one bench at one size, in its own process -------------------------------------------------


def run_one(name: str, sizes: list[int], quick: bool, out: Path) -> None:
    import importlib

    os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
    sys.path.insert(0, str(ROOT))
    module = importlib.import_module(f"bench.{name}")
    results = []
    for size in sizes:
        started = time.perf_counter()
        res = module.measure(size, quick=quick)
        res["seconds"] = time.perf_counter() - started
        results.append(res)
    out.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")


def spawn(bench: Bench, sizes: list[int], quick: bool, logs: Path) -> list[dict[str, Any]]:
    """Run one bench at the sizes in a fresh interpreter (one per size, except in quick mode,
    which saves the start-up); the results, or an ``error`` in each."""
    if not quick and len(sizes) > 1:
        return [r for size in sizes for r in spawn(bench, [size], quick, logs)]
    tag = "-".join(str(s) for s in sizes)
    out = logs / f"{bench.name}-{tag}.json"
    log = logs / f"{bench.name}-{tag}.log"
    started = time.perf_counter()
    with open(log, "wb") as sink:
        code = subprocess.call(
            [sys.executable, "-m", "bench.run_all", "--one", bench.name]
            + ["--size", ",".join(str(s) for s in sizes)]
            + (["--quick"] if quick else [])
            + ["--json", str(out)],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    took = time.perf_counter() - started
    if code != 0 or not out.exists():
        text = log.read_text(encoding="utf-8", errors="replace")
        print(f"  {bench.name} at {tag}: FAILED (exit {code}):\n{text[-3000:]}", flush=True)
        tail = " / ".join(text.strip().splitlines()[-3:])
        return [{"bench": bench.name, "size": s, "error": tail, "seconds": took} for s in sizes]
    results = json.loads(out.read_text(encoding="utf-8"))
    for res in results:
        print(f"  {bench.name} at {res['size']:,}: {res['seconds']:.0f} s", flush=True)
    return results


# --- the machine ---------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    ram = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "python": platform.python_version(),
        "postgres": asyncio.run(postgres_version()),
        "os": platform.platform(),
    }


async def postgres_version() -> str:
    import asyncpg

    from bench.common import PG_ADMIN

    conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def ensure_wrk(quick: bool, allow_python: bool) -> str:
    """``wrk`` for the intake bench: found, installed (root with apt-get), or a clear stop."""
    if shutil.which("wrk"):
        return "wrk"
    if quick or allow_python:
        return "python (wrk not found)"
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk not found: apt-get install -y wrk", flush=True)
        subprocess.call(["apt-get", "install", "-y", "-q", "wrk"])
        if shutil.which("wrk"):
            return "wrk"
    raise SystemExit(
        "wrk is needed for the intake figures (`apt-get install wrk`); "
        "--allow-python-load runs with the Python load process instead (far weaker)"
    )


# --- RESULTS.md ------------------------------------------------------------------------------------


def cell(res: dict[str, Any], key: str) -> str:
    if "error" in res:
        return "failed"
    q = res[key]
    return f"{fmt(q['value'])} {q['unit']}"


def summary_rows(runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    rows = [
        "| bench | data that grows | size | figure | baseline | ratio | size 10× | figure | "
        "baseline | ratio | growth (cost 10× / 1×) |",
        "|---|---|---:|---|---|---:|---:|---|---|---:|---|",
    ]
    for bench in BENCHES:
        if bench.name not in runs:
            continue
        small, big = runs[bench.name]
        if "error" in small or "error" in big:
            growth = "failed"
        else:
            growth = (
                f"{big['cost']['value'] / small['cost']['value']:.2f}× "
                f"({big['cost']['name']}: {fmt(small['cost']['value'])} → "
                f"{fmt(big['cost']['value'])} {big['cost']['unit']})"
            )
        name = small.get("figure", {}).get("name", "") if "error" not in small else ""
        cells = []
        for res in (small, big):
            ratio = "failed" if "error" in res else f"{res['ratio']:.2f}"
            cells += [f"{res['size']:,}", cell(res, "figure"), cell(res, "baseline"), ratio]
        data = small.get("data") or big.get("data") or ""
        rows.append(
            f"| {bench.title}{': ' + name if name else ''} | {data} | "
            + " | ".join(cells)
            + f" | {growth} |"
        )
    return rows


def render(
    runs: dict[str, list[dict[str, Any]]],
    info: dict[str, str],
    command: str,
    load: tuple[tuple[float, ...], tuple[float, ...]],
    started: datetime,
    took: float,
    load_gen: str,
) -> str:
    avg = [", ".join(f"{x:.2f}" for x in pair) for pair in load]
    lines = [
        "# Benchmark results",
        "",
        "Written by `bench/run_all.py`; do not edit by hand — explanations live in `bench/notes/`.",
        "",
        f"- **Command:** `{command}`",
        f"- **Date:** {started:%Y-%m-%d %H:%M} UTC, {took / 60:.1f} min in all",
        f"- **Machine:** {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; {info['os']}",
        f"- **Software:** Python {info['python']}, PostgreSQL {info['postgres']}; "
        f"intake load from {load_gen}",
        f"- **Load average** (1, 5, 15 min): before {avg[0]}; after {avg[1]}",
        "",
        "Each bench ran twice, in a fresh process and database each time: at size 1× and with "
        "the data it holds grown 10×. *Figure* and *baseline* come from the same run, so their "
        "*ratio* is the stable number on a shared machine (see each section for what it "
        "compares); *growth* is the bench's cost (a time: per request, per case, per lookup) at "
        "10× divided by the same cost at 1× — 1.0 means the cost does not depend on the data "
        "held, 10 means it grows in proportion.",
        "",
        *summary_rows(runs),
    ]
    for bench in BENCHES:
        if bench.name not in runs:
            continue
        lines += ["", f"## {bench.title}", ""]
        notes = NOTES / f"{bench.name}.md"
        if notes.exists():
            lines += [notes.read_text(encoding="utf-8").strip(), ""]
        lines += [f"**This run.** The data that grows: {bench.grows}."]
        for label, res in zip(("1×", "10×"), runs[bench.name], strict=True):
            lines += ["", f"### At {label}: {res['size']:,} ({res.get('seconds', 0):.0f} s)", ""]
            if "error" in res:
                lines.append(f"Failed: `{res['error']}`")
            else:
                lines.append(res["detail"])
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs")
    parser.add_argument("--only", help="comma-separated bench names")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    parser.add_argument("--allow-python-load", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, [int(x) for x in args.size.split(",")], args.quick, args.json)
        return

    chosen = [b for b in BENCHES if not args.only or b.name in args.only.split(",")]
    if args.only and len(chosen) != len(args.only.split(",")):
        raise SystemExit(f"unknown bench in {args.only}; known: {[b.name for b in BENCHES]}")
    load_gen = (
        ensure_wrk(args.quick, args.allow_python_load)
        if any(b.name == "intake" for b in chosen)
        else "-"
    )
    info = machine()
    command = " ".join(["python -m bench.run_all", *sys.argv[1:]])
    started, t0 = datetime.now(UTC), time.perf_counter()
    load_before = os.getloadavg()
    runs: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="gridgov-bench-run-") as tmp:
        logs = Path(tmp)
        for bench in chosen:
            sizes = bench.quick if args.quick else bench.full
            runs[bench.name] = spawn(bench, list(sizes), args.quick, logs)
    text = render(
        runs,
        info,
        command,
        (load_before, os.getloadavg()),
        started,
        time.perf_counter() - t0,
        load_gen,
    )
    args.out.write_text(text, encoding="utf-8")
    print(f"written to {args.out} in {(time.perf_counter() - t0) / 60:.1f} min")
    if any("error" in r for pair in runs.values() for r in pair):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
