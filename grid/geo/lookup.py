"""Which grid and micro-grid a point is in: an in-memory STRtree index of the org tree's polygons.

Rules (DOMAIN §1), all with *covers* semantics so a point on a boundary belongs to it:

* The grid is the covering grid polygon with the lowest code. Grids tile their community,
  so a point on a shared edge or corner is covered by two or four grids; taking the lowest
  code gives exactly one answer, the same in every process and on every run.
* The micro-grid is the covering micro-grid of *that* grid with the lowest code (or none).
* A point in no grid falls back to the smallest covering unit of the other levels
  (community, street, district, city — by area, then lowest code); a point in nothing at
  all is :class:`~backend.errors.ErrorCode.POINT_OUTSIDE_AREA`.

The index is built from the database once per process and reused. Whether it is still
current is checked at most every :data:`CHECK_INTERVAL_S` seconds with one cheap query
(count, max id and max ``updated_at`` of ``org_unit``), so a change made by another process
(another app worker, the import CLI) is seen within that interval; changes made through the
services of this process call :func:`invalidate_unit_index` and are seen at once.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from backend.db import get_engine
from backend.errors import DomainError, ErrorCode
from grid.geo.coords import CoordSystem, gcj02_to_wgs84, parse_system, validate_point
from grid.tables import Level, OrgUnit

CHECK_INTERVAL_S = 2.0
AREA_LEVELS = (Level.community, Level.street, Level.district, Level.city)

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    level: Level


@dataclass(frozen=True)
class Located:
    """Where a WGS-84 point is: its grid and micro-grid, or the smallest unit around it."""

    lon: float
    lat: float
    grid: UnitRef | None
    micro_grid: UnitRef | None
    fallback: UnitRef | None

    @property
    def unit(self) -> UnitRef:
        """The most specific unit found (micro-grid, else grid, else the fallback)."""
        found = self.micro_grid or self.grid or self.fallback
        assert found is not None
        return found


class _Layer:
    """One STRtree over polygons of some levels, with what is needed to pick a winner."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        texts = np.array([r["boundary"] for r in rows], dtype=object)
        geoms = shapely.from_geojson(texts) if len(texts) else np.array([], dtype=object)
        self.refs = [UnitRef(r["id"], r["code"], r["name"], Level(r["level"])) for r in rows]
        self.ids = np.array([r["id"] for r in rows], dtype=np.int64)
        self.parents = np.array([r["parent"] or 0 for r in rows], dtype=np.int64)
        codes = np.array([r["code"] for r in rows], dtype=object)
        # rank[i]: position of polygon i when ordered by code; lower rank wins.
        self.rank = np.empty(len(rows), dtype=np.int64)
        self.rank[np.argsort(codes, kind="stable")] = np.arange(len(rows))
        self.area = shapely.area(geoms) if len(rows) else np.array([], dtype=np.float64)
        self.tree = shapely.STRtree(geoms)

    def __len__(self) -> int:
        return len(self.refs)

    def pairs(self, points: npt.NDArray[Any]) -> IntArray:
        """(2, M) pairs of (point index, polygon index) where the polygon covers the point."""
        if not len(self.refs):
            return np.empty((2, 0), dtype=np.int64)
        return self.tree.query(points, predicate="covered_by").astype(np.int64)

    def hits(self, point: shapely.Point) -> IntArray:
        """Indices of the polygons covering one point."""
        if not len(self.refs):
            return np.empty(0, dtype=np.int64)
        return self.tree.query(point, predicate="covered_by")


def _first_per_point(pairs: IntArray, keys: Sequence[npt.NDArray[Any]], n: int) -> IntArray:
    """For each of ``n`` points, the polygon index with the smallest ``keys``, or -1."""
    winners = np.full(n, -1, dtype=np.int64)
    if pairs.shape[1] == 0:
        return winners
    point_idx, poly_idx = pairs
    order = np.lexsort([k[poly_idx] for k in reversed(keys)] + [point_idx])
    sorted_points = point_idx[order]
    first = np.flatnonzero(np.r_[True, sorted_points[1:] != sorted_points[:-1]])
    winners[sorted_points[first]] = poly_idx[order][first]
    return winners


class UnitIndex:
    """Grids, micro-grids and the larger areas of one database, ready for point lookups."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        by_level: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            by_level.setdefault(r["level"], []).append(r)
        self.grids = _Layer(by_level.get(Level.grid, []))
        self.micro_grids = _Layer(by_level.get(Level.micro_grid, []))
        self.areas = _Layer([r for lv in AREA_LEVELS for r in by_level.get(lv, [])])

    def __len__(self) -> int:
        return len(self.grids) + len(self.micro_grids) + len(self.areas)

    def locate_many(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> list[Located | None]:
        """Vectorised lookup of WGS-84 points; None where a point is in no unit at all."""
        x = np.asarray(lons, dtype=np.float64)
        y = np.asarray(lats, dtype=np.float64)
        points = shapely.points(x, y)
        n = len(x)
        grid = _first_per_point(self.grids.pairs(points), [self.grids.rank], n)

        micro_pairs = self.micro_grids.pairs(points)
        if micro_pairs.shape[1]:
            grid_id = np.where(grid >= 0, self.grids.ids[np.maximum(grid, 0)], -1)
            same = self.micro_grids.parents[micro_pairs[1]] == grid_id[micro_pairs[0]]
            micro_pairs = micro_pairs[:, same]
        micro = _first_per_point(micro_pairs, [self.micro_grids.rank], n)

        area_pairs = self.areas.pairs(points)
        if area_pairs.shape[1]:
            area_pairs = area_pairs[:, grid[area_pairs[0]] < 0]
        fallback = _first_per_point(area_pairs, [self.areas.area, self.areas.rank], n)

        out: list[Located | None] = []
        for i in range(n):
            g, m, f = int(grid[i]), int(micro[i]), int(fallback[i])
            if g < 0 and f < 0:
                out.append(None)
                continue
            out.append(
                Located(
                    lon=float(x[i]),
                    lat=float(y[i]),
                    grid=self.grids.refs[g] if g >= 0 else None,
                    micro_grid=self.micro_grids.refs[m] if m >= 0 else None,
                    fallback=self.areas.refs[f] if g < 0 else None,
                )
            )
        return out

    def locate(self, lon: float, lat: float) -> Located | None:
        """One WGS-84 point (the same rules as :meth:`locate_many`, without array overhead)."""
        point = shapely.Point(lon, lat)
        grids = self.grids.hits(point)
        if len(grids):
            g = int(grids[np.argmin(self.grids.rank[grids])])
            micro = self.micro_grids.hits(point)
            micro = micro[self.micro_grids.parents[micro] == self.grids.ids[g]]
            m = int(micro[np.argmin(self.micro_grids.rank[micro])]) if len(micro) else -1
            return Located(
                lon=lon,
                lat=lat,
                grid=self.grids.refs[g],
                micro_grid=self.micro_grids.refs[m] if m >= 0 else None,
                fallback=None,
            )
        areas = self.areas.hits(point)
        if not len(areas):
            return None
        f = int(areas[np.lexsort((self.areas.rank[areas], self.areas.area[areas]))[0]])
        return Located(lon=lon, lat=lat, grid=None, micro_grid=None, fallback=self.areas.refs[f])


# --- the per-process cache -------------------------------------------------------------------


@dataclass
class _Cached:
    index: UnitIndex
    fingerprint: tuple[Any, ...]
    local_version: int
    checked_at: float


_cache: dict[int, _Cached] = {}
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)
_local_version = 0


def invalidate_unit_index() -> None:
    """Call after committing a change to org units: this process rebuilds on its next lookup."""
    global _local_version
    _local_version += 1


async def _fingerprint() -> tuple[Any, ...]:
    rows = await OrgUnit.raw(
        "SELECT COUNT(*) AS n, MAX(id) AS max_id, MAX(updated_at) AS changed FROM org_unit"
    )
    row = rows[0]
    return (row["n"], row["max_id"], str(row["changed"]))


async def _load_rows() -> list[dict[str, Any]]:
    rows = await OrgUnit.select(
        OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.level, OrgUnit.parent, OrgUnit.boundary
    ).where(OrgUnit.boundary.is_not_null())
    return [r for r in rows if r["boundary"] and r["boundary"] != "null"]


async def load_unit_index() -> UnitIndex:
    """A fresh index of the current database (no cache); building runs in a worker thread."""
    rows = await _load_rows()
    return await asyncio.to_thread(UnitIndex, rows)


async def unit_index() -> UnitIndex:
    """The cached index of the current database, rebuilt when units have changed."""
    key = id(get_engine())
    cached = _cache.get(key)
    now = time.monotonic()
    if (
        cached is not None
        and cached.local_version == _local_version
        and now - cached.checked_at < CHECK_INTERVAL_S
    ):
        return cached.index
    lock = _locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        cached = _cache.get(key)
        version = _local_version
        fingerprint = await _fingerprint()
        if (
            cached is not None
            and cached.local_version == version
            and cached.fingerprint == fingerprint
        ):
            cached.checked_at = time.monotonic()
            return cached.index
        # Read the fingerprint and version *before* the rows: a change racing the load
        # leaves the cache marked older than its content, so it is rebuilt again next time.
        index = await load_unit_index()
        _cache[key] = _Cached(index, fingerprint, version, time.monotonic())
        return index


async def locate_point(
    lon: float, lat: float, system: CoordSystem | str = CoordSystem.wgs84
) -> Located:
    """The units at a point given in ``system``; ``point_outside_area`` if there are none."""
    system = parse_system(system)
    lon, lat = validate_point(lon, lat)
    if system is CoordSystem.gcj02:
        lon, lat = gcj02_to_wgs84(lon, lat)
    found = (await unit_index()).locate(lon, lat)
    if found is None:
        raise DomainError(ErrorCode.POINT_OUTSIDE_AREA, lon=lon, lat=lat)
    return found
