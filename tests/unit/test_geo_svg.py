"""The offline sketch map: WGS-84 polygons and points projected into an SVG viewBox."""

from __future__ import annotations

import json
import math

import pytest

from grid.geo.svg import as_geometry, frame_for, path_data
from tests.personas import square


def test_a_square_grid_fits_the_box_centred_with_north_up():
    grid = square(106.50, 29.50)
    frame = frame_for([grid], width=400, height=300, pad=10)
    assert frame is not None
    west_south = frame.project(106.50, 29.50)
    east_north = frame.project(106.51, 29.51)
    assert west_south[1] > east_north[1]  # north is up
    height = west_south[1] - east_north[1]
    width = east_north[0] - west_south[0]
    assert height == pytest.approx(280, abs=0.05)  # the taller side fills the box minus padding
    assert width / height == pytest.approx(math.cos(math.radians(29.505)), rel=1e-3)
    assert (west_south[0] + east_north[0]) / 2 == pytest.approx(200, abs=0.05)


def test_path_data_closes_every_ring_of_a_multipolygon_with_a_hole():
    outer = square(0, 0, 2, 2)["coordinates"][0]
    hole = square(0.5, 0.5, 1, 1)["coordinates"][0]
    other = square(3, 0, 1, 1)["coordinates"][0]
    shape = {"type": "MultiPolygon", "coordinates": [[outer, hole], [other]]}
    frame = frame_for([shape])
    d = path_data(frame, shape)
    assert d.count("M") == 3 and d.count("Z") == 3
    numbers = [float(n) for n in d.replace("M", " ").replace("L", " ").replace("Z", " ").split()]
    assert min(numbers) >= 0 and max(numbers) <= 400


def test_a_point_outside_the_polygon_widens_the_frame():
    grid = square(106.50, 29.50)
    frame = frame_for([grid], points=[(106.53, 29.505)])
    x, y = frame.project(106.53, 29.505)
    assert 0 <= x <= frame.width and 0 <= y <= frame.height
    assert frame.contains(106.53, 29.505)


def test_a_single_point_sits_in_the_middle():
    frame = frame_for([], points=[(106.5, 29.5)], width=200, height=100)
    assert frame.project(106.5, 29.5) == (100, 50)


def test_nothing_to_draw_gives_no_frame_and_bad_boundaries_are_ignored():
    assert frame_for([]) is None
    assert as_geometry(None) is None and as_geometry("") is None
    assert as_geometry(json.dumps({"type": "Point", "coordinates": [1, 2]})) is None
    assert as_geometry(json.dumps(square(1, 2)))["type"] == "Polygon"
