"""The dashboard's grid map: well-formed SVG, colours by open/overdue, titles, legend."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from grid.geo.choropleth import BANDS, MapArea, band_of, grid_map_svg

NS = {"s": "http://www.w3.org/2000/svg"}


def square(lon: float, lat: float, size: float = 0.01) -> dict[str, object]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


AREAS = [
    MapArea("500103001001001", "甲一网格", square(106.50, 29.50), open=0, overdue=0),
    MapArea("500103001001002", "甲二网格", square(106.51, 29.50), open=4, overdue=0),
    MapArea("500103001001003", "甲三网格", json.dumps(square(106.50, 29.51)), open=5, overdue=1),
    MapArea("500103001001004", "<b>&网格</b>", square(106.51, 29.51), open=9, overdue=7),
    MapArea("500103001001005", "无边界网格", None, open=2, overdue=2),
]


def _svg(areas: list[MapArea] = AREAS, **kw: object) -> ET.Element:
    return ET.fromstring(grid_map_svg(areas, **kw))  # type: ignore[arg-type]  # noqa: S314 (our own output)


def test_each_grid_with_a_boundary_is_one_path_coloured_by_its_band():
    root = _svg()
    paths = root.findall(".//s:path", NS)
    assert [p.get("data-code")[-3:] for p in paths] == ["001", "002", "003", "004"]
    fills = {b.key: b.fill for b in BANDS}
    assert [p.get("fill") for p in paths] == [
        fills["calm"],
        fills["open"],
        fills["overdue"],
        fills["many"],
    ]
    assert [band_of(a) for a in AREAS] == ["calm", "open", "overdue", "many", "overdue"]


def test_every_grid_has_a_title_with_its_figures_and_names_are_escaped():
    root = _svg()
    titles = [p.find("s:title", NS).text for p in root.findall(".//s:path", NS)]
    assert titles[1] == "甲二网格（500103001001002）：在办 4 件，超期 0 件"
    assert titles[3].startswith("<b>&网格</b>")  # text, not markup
    assert "<b>" not in grid_map_svg(AREAS).replace("&lt;b&gt;", "")
    assert root.get("role") == "img"
    assert root.find("s:title", NS).text == "网格在办与超期案件分布"


def test_projection_keeps_north_up_and_everything_inside_the_view_box():
    root = _svg(width=400, height=300)
    numbers = [
        float(n)
        for p in root.findall(".//s:path", NS)
        for n in re.findall(r"-?\d+(?:\.\d+)?", p.get("d"))
    ]
    xs, ys = numbers[0::2], numbers[1::2]
    assert min(xs) >= 0 and max(xs) <= 400 and min(ys) >= 0 and max(ys) <= 300
    south, north = (root.findall(".//s:path", NS)[i] for i in (0, 2))

    def top(p: ET.Element) -> float:
        return min(float(y) for y in re.findall(r"-?\d+(?:\.\d+)?", p.get("d"))[1::2])

    assert top(north) < top(south)


def test_legend_names_every_band_and_labels_can_be_translated():
    root = _svg(legend_labels={"calm": "No open cases"})
    texts = [t.text for t in root.findall(".//s:g[@class='legend']/s:text", NS)]
    assert len(texts) == len(BANDS) and "No open cases" in texts


def test_links_wrap_grids_that_have_one():
    linked = [MapArea("500103001001001", "甲一", square(106.5, 29.5), 1, 0, href="/q?unit_id=7")]
    root = _svg(linked)
    anchor = root.find(".//s:a", NS)
    assert anchor is not None and anchor.get("href") == "/q?unit_id=7"
    assert anchor.get("aria-label") == "甲一（500103001001001）：在办 1 件，超期 0 件"
    assert root.get("role") == "group"  # an image may not hold links


def test_nothing_to_draw_gives_no_svg():
    assert grid_map_svg([MapArea("1", "x", None, 0, 0)]) == ""
