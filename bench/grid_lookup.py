"""Benchmark: import 64 500 grid polygons and look points up in them.

What it measures, all through the real code paths on a fresh SQLite database:

1. ``import_units`` of a synthetic city: a 250 x 258 lattice of slightly irregular
   quadrilateral grids (neighbours share their jittered corners, so the grids tile the
   city exactly), with the city, districts, streets and communities above them whose
   boundaries are the outlines of their blocks of grids.
2. Building the lookup index from the database (``load_unit_index``).
3. Lookups per second through the index — one point at a time (``UnitIndex.locate``),
   through the service entry point (``locate_point``: validation, cache check) and in
   batches (``UnitIndex.locate_many``).
4. The same-run baseline: a brute-force scan over the same shapely polygons
   (``poly.covers(point)`` for every grid, lowest code wins) on a sample of the same
   random points; its answers are checked against the index's.

Run: ``.venv/bin/python bench/grid_lookup.py`` (``--grids 5000`` for a quick run).
``measure(size)`` (for ``bench/run_all.py``): the data that grows is the grids held.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import math
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import shapely

from backend import db, pii
from backend.config import load_settings
from bench.common import print_summary, quantity, result
from grid.geo.lookup import load_unit_index, locate_point, unit_index

X0, Y0 = 105.60, 29.00  # south-west corner (WGS-84)
DX, DY = 0.004, 0.0035  # one grid ≈ 390 m x 390 m at this latitude
JITTER = 0.15  # share of a cell each shared corner may move
COMMUNITY_COLS, COMMUNITY_ROWS = 10, 6  # grids per community block
COMMUNITIES_PER_STREET = 5  # community blocks side by side in one street


def lattice(cols: int, rows: int, seed: int) -> np.ndarray:
    """(cols+1, rows+1, 2) jittered corner positions shared by neighbouring grids."""
    rng = np.random.default_rng(seed)
    i, j = np.meshgrid(np.arange(cols + 1), np.arange(rows + 1), indexing="ij")
    x = X0 + i * DX + rng.uniform(-JITTER, JITTER, i.shape) * DX
    y = Y0 + j * DY + rng.uniform(-JITTER, JITTER, j.shape) * DY
    return np.stack([x, y], axis=-1)


def outline(v: np.ndarray, i0: int, i1: int, j0: int, j1: int) -> dict[str, Any]:
    """The polygon around the block of cells [i0, i1) x [j0, j1), through every shared corner."""
    ring = (
        [v[i, j0] for i in range(i0, i1 + 1)]
        + [v[i1, j] for j in range(j0 + 1, j1 + 1)]
        + [v[i, j1] for i in range(i1 - 1, i0 - 1, -1)]
        + [v[i0, j] for j in range(j1 - 1, j0 - 1, -1)]
    )
    return {"type": "Polygon", "coordinates": [[[float(p[0]), float(p[1])] for p in ring]]}


def feature(code: str, name: str, level: str, geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": level},
        "geometry": geometry,
    }


def synthetic_city(cols: int, rows: int, seed: int) -> tuple[list[dict[str, Any]], int]:
    """Features of a city (parents first) and the number of grids among them."""
    v = lattice(cols, rows, seed)
    district_cols = COMMUNITY_COLS * COMMUNITIES_PER_STREET
    out = [feature("500100000000", "基准市", "city", outline(v, 0, cols, 0, rows))]
    grids = 0
    for d, i0 in enumerate(range(0, cols, district_cols)):
        i1 = min(i0 + district_cols, cols)
        district = f"5001{d + 1:02d}"
        out.append(
            feature(district + "000000", f"第{d + 1}区", "district", outline(v, i0, i1, 0, rows))
        )
        for s, j0 in enumerate(range(0, rows, COMMUNITY_ROWS)):
            j1 = min(j0 + COMMUNITY_ROWS, rows)
            street = f"{district}{s + 1:03d}"
            out.append(
                feature(
                    street + "000", f"第{d + 1}区{s + 1}街道", "street", outline(v, i0, i1, j0, j1)
                )
            )
            for c, ci0 in enumerate(range(i0, i1, COMMUNITY_COLS)):
                ci1 = min(ci0 + COMMUNITY_COLS, i1)
                community = f"{street}{c + 1:03d}"
                out.append(
                    feature(
                        community, f"{community}社区", "community", outline(v, ci0, ci1, j0, j1)
                    )
                )
                k = 0
                for j in range(j0, j1):
                    for i in range(ci0, ci1):
                        k += 1
                        out.append(
                            feature(
                                f"{community}{k:03d}",
                                f"{community}-{k}网格",
                                "grid",
                                outline(v, i, i + 1, j, j + 1),
                            )
                        )
                        grids += 1
    return out, grids


def brute_force(polys: list[Any], codes: list[str], lon: float, lat: float) -> str | None:
    """The baseline: test every polygon, keep the lowest covering code."""
    point = shapely.Point(lon, lat)
    best: str | None = None
    for poly, code in zip(polys, codes, strict=True):
        if poly.covers(point) and (best is None or code < best):
            best = code
    return best


def brute_force_vectorized(
    polys: np.ndarray, codes: np.ndarray, lon: float, lat: float
) -> str | None:
    """A stronger baseline: the same scan, but one GEOS call over all polygons (no Python loop)."""
    hits = shapely.covers(polys, shapely.Point(lon, lat))
    return str(codes[hits].min()) if hits.any() else None


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "∞"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string})"
    )
    cols = COMMUNITY_COLS * max(1, round(math.sqrt(args.grids) / COMMUNITY_COLS))
    rows = COMMUNITY_ROWS * max(1, round(args.grids / cols / COMMUNITY_ROWS))
    t = time.perf_counter()
    features, grids = synthetic_city(cols, rows, args.seed)
    print(
        f"synthetic city: {cols} x {rows} = {grids:,} grids, {len(features):,} features "
        f"({time.perf_counter() - t:.1f} s to generate)"
    )

    var = Path(tempfile.mkdtemp(prefix="gridgov-bench-"))
    settings = load_settings(
        {
            "GRIDGOV_DATABASE_URL": f"sqlite:///{var}/bench.sqlite3",
            "GRIDGOV_VAR_DIR": str(var),
            "GRIDGOV_ENV": "dev",
        }
    )
    pii.configure(settings.pii_key)
    db.ensure_engine(settings)
    with contextlib.redirect_stdout(io.StringIO()):  # Piccolo reports every migration
        await db.migrate()

    from grid.services.unit_import import import_units

    t = time.perf_counter()
    report = await import_units(features, progress=args.progress)
    import_s = time.perf_counter() - t
    out.update(grids=grids, features=len(features), import_s=import_s)
    if not report.ok:
        raise SystemExit(report.describe())
    print(
        f"import (fresh SQLite, one transaction): {import_s:.1f} s  "
        f"({rate(len(features), import_s)} features) — {report.describe()}"
    )

    t = time.perf_counter()
    index = await load_unit_index()
    out["index_s"] = time.perf_counter() - t
    print(
        f"index build from the database: {time.perf_counter() - t:.2f} s "
        f"({len(index.grids):,} grids, {len(index.areas):,} larger areas)"
    )
    await unit_index()  # warm the process cache the service path uses

    rng = random.Random(args.seed)
    x_max, y_max = X0 + cols * DX, Y0 + rows * DY
    points = [(rng.uniform(X0, x_max), rng.uniform(Y0, y_max)) for _ in range(args.points)]

    t = time.perf_counter()
    found = [index.locate(x, y) for x, y in points]
    single_s = time.perf_counter() - t
    t = time.perf_counter()
    for x, y in points:
        try:
            await locate_point(x, y)
        except Exception:  # noqa: S112 - a point past the jagged edge is outside every unit
            continue
    service_s = time.perf_counter() - t
    xs, ys = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    t = time.perf_counter()
    batch = index.locate_many(xs, ys)
    batch_s = time.perf_counter() - t
    assert [b and b.grid for b in batch] == [f and f.grid for f in found]
    in_grid = sum(1 for f in found if f and f.grid)
    print(f"lookups, {len(points):,} random points ({in_grid:,} inside a grid):")
    print(f"  index, one point at a time (UnitIndex.locate): {rate(len(points), single_s)}")
    print(
        f"  service path (locate_point, incl. validation + cache check): {rate(len(points), service_s)}"
    )
    print(f"  index, batched (UnitIndex.locate_many): {rate(len(points), batch_s)}")

    polys = list(index.grids.tree.geometries)
    codes = [ref.code for ref in index.grids.refs]
    sample = points[: args.brute_points]
    t = time.perf_counter()
    brute = [brute_force(polys, codes, x, y) for x, y in sample]
    brute_s = time.perf_counter() - t
    expected = [f.grid.code if f and f.grid else None for f in found[: len(sample)]]
    assert brute == expected, "brute force and index disagree"
    brute_rate = len(sample) / brute_s
    print(
        f"  brute force (poly.covers loop over {len(polys):,} polygons, {len(sample)} points): "
        f"{brute_rate:,.1f}/s — same answers as the index"
    )
    poly_array, code_array = np.array(polys, dtype=object), np.array(codes, dtype=object)
    t = time.perf_counter()
    vectorized = [brute_force_vectorized(poly_array, code_array, x, y) for x, y in sample]
    vector_s = time.perf_counter() - t
    assert vectorized == expected, "vectorized brute force and index disagree"
    vector_rate = len(sample) / vector_s
    print(
        f"  brute force, vectorized (shapely.covers over all {len(polys):,} polygons per point): "
        f"{vector_rate:,.1f}/s — same answers as the index"
    )
    single_rate = len(points) / single_s
    print(f"ratio index/brute force loop (one point at a time): {single_rate / brute_rate:,.0f}x")
    print(
        f"ratio index/brute force vectorized (one point at a time): {single_rate / vector_rate:,.0f}x"
    )
    out.update(
        points=len(points),
        brute_points=len(sample),
        single=single_rate,
        service=len(points) / service_s,
        batch=len(points) / batch_s,
        brute=brute_rate,
        vector=vector_rate,
    )
    shutil.rmtree(var, ignore_errors=True)
    return out


def summarize(out: dict[str, Any]) -> dict[str, Any]:
    detail = "\n".join(
        [
            f"{out['grids']:,} grids ({out['features']:,} features), {out['points']:,} lookups, "
            f"{out['brute_points']} baseline points:",
            "",
            "| measure | value |",
            "|---|---:|",
            f"| import of {out['features']:,} features, fresh SQLite | {out['import_s']:.1f} s "
            f"({out['features'] / out['import_s']:,.0f} features/s) |",
            f"| index build from the database | {out['index_s']:.2f} s |",
            f"| index, one point at a time (`UnitIndex.locate`) | {out['single']:,.0f} /s |",
            f"| service path (`locate_point`) | {out['service']:,.0f} /s |",
            f"| index, batched (`UnitIndex.locate_many`) | {out['batch']:,.0f} /s |",
            f"| baseline: brute-force `poly.covers` loop | {out['brute']:,.1f} /s |",
            f"| baseline: brute-force vectorized `shapely.covers` | {out['vector']:,.1f} /s |",
            f"| **ratio index / brute-force loop** | **{out['single'] / out['brute']:,.0f}×** |",
            f"| **ratio index / vectorized brute force** | "
            f"**{out['single'] / out['vector']:,.0f}×** |",
        ]
    )
    return result(
        "grid_lookup",
        data="grids held",
        size=out["grids"],
        figure=quantity("index lookups (one point at a time)", out["single"], "/s"),
        baseline=quantity("brute-force poly.covers loop", out["brute"], "/s"),
        ratio=out["single"] / out["brute"],
        cost=quantity("one index lookup", 1e6 / out["single"], "µs"),
        detail=detail,
    )


def measure(size: int, quick: bool = False) -> dict[str, Any]:
    """Import about ``size`` grids into a fresh SQLite file and look points up in them."""
    args = argparse.Namespace(
        grids=size,
        points=2_000 if quick else 20_000,
        brute_points=20 if quick else 200,
        seed=2026,
        progress=False,
    )
    return summarize(asyncio.run(run(args)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grids", type=int, default=64_500, help="about this many grids")
    parser.add_argument("--points", type=int, default=20_000, help="random lookup points")
    parser.add_argument("--brute-points", type=int, default=200, help="points for the baseline")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--progress", action="store_true", help="show the import's progress bars")
    print_summary(summarize(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
