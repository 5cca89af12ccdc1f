"""Coordinates: WGS-84 (GPS, EXIF) and GCJ-02 (phones and map SDKs in China), and validation.

Boundaries are stored in WGS-84. A point reported in GCJ-02 — what WeChat's
``wx.getLocation({type: 'gcj02'})`` and most Chinese map SDKs give — is about 300–600 m
away from the same place in WGS-84, enough to land in the neighbouring grid, so every
point says which system it is in and is converted before any geometry is done.

WGS-84 → GCJ-02 is the published offset formula (an ellipsoid-scaled sum of sines, applied
only inside China's rough bounding box). It has no closed-form inverse; GCJ-02 → WGS-84 is
found by fixed-point iteration, which converges because the offset changes slowly (its
derivative is ~1e-3 per degree): each step removes the residual ``f(w) - g``.

Functions take floats or numpy arrays alike (they are written with numpy ufuncs).
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from backend.errors import DomainError, ErrorCode

#: Krasovsky 1940 ellipsoid, which the offset formula is defined on.
_A = 6378245.0
_EE = 0.00669342162296594323

#: The rough box inside which GCJ-02 differs from WGS-84 (outside it the two coincide).
CHINA_LON = (72.004, 137.8347)
CHINA_LAT = (0.8293, 55.8271)

#: Inversion stops when the forward image is this close to the target (degrees); the
#: inverse is then correct to about this much, far below the 1e-6° promised.
INVERSE_TOLERANCE = 1e-10
INVERSE_MAX_STEPS = 30

F = TypeVar("F", float, npt.NDArray[np.float64])


class CoordSystem(StrEnum):
    wgs84 = "wgs84"  # GPS, EXIF, OpenStreetMap; how boundaries are stored
    gcj02 = "gcj02"  # 国测局坐标 ("Mars coordinates"): WeChat, AMap, Tencent maps


def in_china(lon: F, lat: F) -> F:
    """Whether the offset applies (a bounding box, as the formula's users all do)."""
    return (  # type: ignore[return-value]
        (lon >= CHINA_LON[0])
        & (lon <= CHINA_LON[1])
        & (lat >= CHINA_LAT[0])
        & (lat <= CHINA_LAT[1])
    )


def _shift(lon: F, lat: F) -> tuple[F, F]:
    """The GCJ-02 offset (Δlon, Δlat) in degrees at a WGS-84 point inside China."""
    x = lon - 105.0
    y = lat - 35.0
    ripple_x = (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    metres_lat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + ripple_x
        + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    metres_lon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + ripple_x
        + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    phi = lat / 180.0 * math.pi
    magic = 1.0 - _EE * np.sin(phi) ** 2
    root = np.sqrt(magic)
    d_lat = (metres_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * root) * math.pi)
    d_lon = (metres_lon * 180.0) / (_A / root * np.cos(phi) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: F, lat: F) -> tuple[F, F]:
    d_lon, d_lat = _shift(lon, lat)
    inside = in_china(lon, lat)
    return _same_kind(lon, np.where(inside, lon + d_lon, lon)), _same_kind(
        lat, np.where(inside, lat + d_lat, lat)
    )


def _same_kind(like: F, value: npt.NDArray[np.float64]) -> F:
    """A float for a float input, an array for an array input."""
    return value if np.ndim(like) else float(value)  # type: ignore[return-value]


def gcj02_to_wgs84(lon: F, lat: F) -> tuple[F, F]:
    """The WGS-84 point whose GCJ-02 image is (lon, lat), by fixed-point iteration."""
    w_lon, w_lat = lon, lat
    for _ in range(INVERSE_MAX_STEPS):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        r_lon, r_lat = g_lon - lon, g_lat - lat
        w_lon, w_lat = w_lon - r_lon, w_lat - r_lat
        if np.max(np.abs(r_lon)) < INVERSE_TOLERANCE and np.max(np.abs(r_lat)) < INVERSE_TOLERANCE:
            break
    return w_lon, w_lat


def to_wgs84(lon: float, lat: float, system: CoordSystem | str) -> tuple[float, float]:
    """A validated point converted to WGS-84 (the system boundaries are stored in)."""
    system = parse_system(system)
    lon, lat = validate_point(lon, lat)
    if system is CoordSystem.gcj02:
        return gcj02_to_wgs84(lon, lat)
    return lon, lat


def from_wgs84(lon: float, lat: float, system: CoordSystem | str) -> tuple[float, float]:
    system = parse_system(system)
    if system is CoordSystem.gcj02:
        return wgs84_to_gcj02(lon, lat)
    return lon, lat


def parse_system(system: CoordSystem | str) -> CoordSystem:
    try:
        return CoordSystem(system)
    except ValueError:
        raise DomainError(
            ErrorCode.COORDINATES_INVALID,
            reason=f"unknown coordinate system {system!r}; use wgs84 or gcj02",
        ) from None


def validate_point(lon: object, lat: object) -> tuple[float, float]:
    """``(lon, lat)`` as floats, or ``coordinates_invalid`` naming what is wrong."""
    try:
        x, y = float(lon), float(lat)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DomainError(ErrorCode.COORDINATES_INVALID, reason="not a number") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise DomainError(ErrorCode.COORDINATES_INVALID, reason="not a finite number")
    if not -180.0 <= x <= 180.0:
        raise DomainError(ErrorCode.COORDINATES_INVALID, reason=f"longitude {x} outside ±180")
    if not -90.0 <= y <= 90.0:
        raise DomainError(ErrorCode.COORDINATES_INVALID, reason=f"latitude {y} outside ±90")
    return x, y
