"""Boundaries drawn as SVG without a tile server: a pure projection from WGS-84 to a viewBox.

The console draws a grid's polygon with the case point on it, and the dashboard draws many
grids coloured by their cases; both must work offline, so the map is only the stored
polygons. Over a street or a district an equirectangular projection with the longitude
scaled by cos(latitude) keeps shapes true to within a fraction of a percent, which is all a
sketch map needs. Everything here is pure: GeoJSON geometries (``Polygon`` /
``MultiPolygon``, as :mod:`grid.geo.shapes` stores them) and numbers in, numbers and SVG
path data out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

Geometry = dict[str, Any]


def as_geometry(value: Geometry | str | None) -> Geometry | None:
    """A stored boundary (JSON text on SQLite, a dict on PostgreSQL) as a GeoJSON dict."""
    if value is None or value == "":
        return None
    geometry = json.loads(value) if isinstance(value, str) else value
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    return geometry


def rings(geometry: Geometry) -> Iterator[list[list[float]]]:
    """Every ring (outer and holes) of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    else:
        for polygon in geometry["coordinates"]:
            yield from polygon


@dataclass(frozen=True)
class Frame:
    """Maps lon/lat into a ``width`` × ``height`` viewBox, keeping ``pad`` units clear."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    width: float
    height: float
    pad: float
    scale: float  # viewBox units per degree of latitude
    x_factor: float  # cos(mid latitude): degrees of longitude are shorter

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """The viewBox point of ``lon``/``lat`` (y grows downwards, north is up)."""
        used_w = (self.max_lon - self.min_lon) * self.x_factor * self.scale
        used_h = (self.max_lat - self.min_lat) * self.scale
        left = (self.width - used_w) / 2
        top = (self.height - used_h) / 2
        x = left + (lon - self.min_lon) * self.x_factor * self.scale
        y = top + (self.max_lat - lat) * self.scale
        return round(x, 2), round(y, 2)

    def contains(self, lon: float, lat: float) -> bool:
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


def frame_for(
    geometries: Iterable[Geometry],
    *,
    points: Iterable[tuple[float, float]] = (),
    width: float = 400,
    height: float = 300,
    pad: float = 12,
) -> Frame | None:
    """The frame that fits every geometry and point, or None when there is nothing to draw."""
    lons: list[float] = []
    lats: list[float] = []
    for geometry in geometries:
        for ring in rings(geometry):
            for lon, lat, *_ in ring:
                lons.append(lon)
                lats.append(lat)
    for lon, lat in points:
        lons.append(lon)
        lats.append(lat)
    if not lons:
        return None
    min_lon, max_lon, min_lat, max_lat = min(lons), max(lons), min(lats), max(lats)
    x_factor = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = (max_lon - min_lon) * x_factor
    span_y = max_lat - min_lat
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    if span_x <= 0 and span_y <= 0:
        scale = 1.0  # one point: put it in the middle
    elif span_x <= 0:
        scale = inner_h / span_y
    elif span_y <= 0:
        scale = inner_w / span_x
    else:
        scale = min(inner_w / span_x, inner_h / span_y)
    return Frame(min_lon, min_lat, max_lon, max_lat, width, height, pad, scale, x_factor)


def path_data(frame: Frame, geometry: Geometry) -> str:
    """SVG path data (``M … L … Z`` per ring); use ``fill-rule="evenodd"`` for holes."""
    parts: list[str] = []
    for ring in rings(geometry):
        points = [frame.project(position[0], position[1]) for position in ring]
        if len(points) < 3:
            continue
        head, *tail = points
        parts.append(f"M{head[0]:g} {head[1]:g}" + "".join(f"L{x:g} {y:g}" for x, y in tail) + "Z")
    return "".join(parts)
