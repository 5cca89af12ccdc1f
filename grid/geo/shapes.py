"""Boundary polygons: GeoJSON in, validated shapely geometry and a canonical WGS-84 GeoJSON out.

A boundary is a GeoJSON ``Polygon`` or ``MultiPolygon`` (RFC 7946 geometry object). It is
refused unless GEOS calls it valid (no self-intersection, closed rings of ≥ 4 positions),
non-empty, with finite positions inside ±180/±90. A boundary given in GCJ-02 is converted
to WGS-84 first, so what is stored is always WGS-84.

A child should lie inside its parent; survey data of neighbouring levels rarely agree to
the centimetre, so the parent is grown by :data:`CONTAINMENT_TOLERANCE_DEG` (≈ 5 m) first.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from backend.errors import DomainError, ErrorCode
from grid.geo.coords import CoordSystem, gcj02_to_wgs84, parse_system, wgs84_to_gcj02

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
CONTAINMENT_TOLERANCE_DEG = 5e-5
#: Positions kept per boundary; a street outline has thousands, never millions.
MAX_POSITIONS = 100_000


@dataclass(frozen=True)
class Boundary:
    geometry: BaseGeometry  # WGS-84
    text: str  # canonical WGS-84 GeoJSON geometry, as stored
    centroid: tuple[float, float]

    def to_json(self) -> str:
        return self.text

    @cached_property
    def geojson(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.text)
        return value


def _geojson_text(geometry: BaseGeometry) -> str:
    """GEOS's GeoJSON writer: compact, and its floats read back exactly (tested)."""
    return str(shapely.to_geojson(geometry))


def _bad(reason: str) -> DomainError:
    return DomainError(ErrorCode.BOUNDARY_INVALID, reason=reason)


def _to_wgs84(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def _to_gcj02(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def parse_boundary(raw: Any, system: CoordSystem | str = CoordSystem.wgs84) -> Boundary:
    """A validated boundary, or ``boundary_invalid`` with a reason a person can act on."""
    system = parse_system(system)
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise _bad("not JSON") from None
    if not isinstance(raw, dict):
        raise _bad("a GeoJSON geometry object is expected")
    kind = raw.get("type")
    if kind not in GEOMETRY_TYPES:
        raise _bad(f"type must be Polygon or MultiPolygon, got {kind!r}")
    if not isinstance(raw.get("coordinates"), list):
        raise _bad("coordinates must be a list")
    try:
        geometry = shapely.force_2d(shape(raw))
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        raise _bad(f"malformed coordinates ({exc})") from None
    if geometry.is_empty:
        raise _bad("empty geometry")
    coords = shapely.get_coordinates(geometry)
    if len(coords) > MAX_POSITIONS:
        raise _bad(f"more than {MAX_POSITIONS} positions")
    if not np.isfinite(coords).all():
        raise _bad("positions must be finite numbers")
    if (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise _bad("positions are [longitude, latitude] within ±180 and ±90")
    if system is CoordSystem.gcj02:
        geometry = shapely.transform(geometry, _to_wgs84)
    if not geometry.is_valid:
        raise _bad(shapely.is_valid_reason(geometry))
    if geometry.area <= 0:
        raise _bad("zero area")
    centroid = geometry.centroid
    return Boundary(
        geometry=geometry,
        text=_geojson_text(geometry),
        centroid=(float(centroid.x), float(centroid.y)),
    )


def load_stored(text: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored boundary column (a JSON string on both engines) as a dict, or None."""
    if text is None:
        return None
    value = json.loads(text) if isinstance(text, str) else text
    return value if isinstance(value, dict) else None


def in_system(geojson: dict[str, Any], system: CoordSystem | str) -> dict[str, Any]:
    """A stored (WGS-84) geometry expressed in ``system`` for display on a map of that kind."""
    if parse_system(system) is CoordSystem.wgs84:
        return geojson
    value: dict[str, Any] = json.loads(_geojson_text(shapely.transform(shape(geojson), _to_gcj02)))
    return value


class Container:
    """A parent's boundary, grown by the tolerance and prepared once, to test many children."""

    def __init__(self, geometry: BaseGeometry) -> None:
        self._geometry = geometry
        self._grown: BaseGeometry | None = None

    def holds(self, child: BaseGeometry) -> bool:
        if self._grown is None:
            self._grown = self._geometry.buffer(CONTAINMENT_TOLERANCE_DEG, quad_segs=2)
            shapely.prepare(self._grown)
        return bool(self._grown.covers(child))

    def outside_share(self, child: BaseGeometry) -> float:
        """The share of ``child``'s area outside the parent (for the error message)."""
        if child.area <= 0:
            return 0.0
        share = child.difference(self._geometry).area / child.area
        return 0.0 if math.isnan(share) else float(share)


def containment_error(child_code: str, parent_code: str, share: float) -> DomainError:
    return _bad(f"{child_code} extends outside its parent {parent_code} ({share:.1%} of its area)")
