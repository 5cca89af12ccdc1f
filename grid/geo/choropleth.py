"""Grids coloured by their open and overdue cases, as one inline SVG (the dashboard's map).

Built on :mod:`grid.geo.svg` — the same projection and path data as the case page's map, so
there is one way to turn a boundary into SVG. Pure: areas and words in, markup out (every text
escaped). Accessible by construction: the SVG is ``role="img"`` with a title (``role="group"`` when
the grids are links, each link named by its figures), each grid path carries a ``<title>``
naming it and its figures (read by screen readers, shown on hover), the
legend is text, and the colours are never the only carrier — the page prints the same figures
in a table.

Colour classes (first that applies): overdue ≥ :data:`MANY_OVERDUE` → dark red; overdue ≥ 1
→ orange; open ≥ 1 → yellow; otherwise green. Grids without a boundary are not drawn (the
table still lists them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from grid.geo.svg import as_geometry, frame_for, path_data

MANY_OVERDUE = 3


@dataclass(frozen=True)
class MapArea:
    code: str
    name: str
    boundary: dict[str, Any] | str | None
    open: int
    overdue: int
    href: str | None = None  # where a click on the grid leads (e.g. its queue)


@dataclass(frozen=True)
class Band:
    key: str
    fill: str
    label: str


#: Fills keep ≥ 3:1 contrast with the dark outline; labels are the defaults (Chinese).
BANDS: tuple[Band, ...] = (
    Band("many", "#8b1a1a", f"超期 ≥ {MANY_OVERDUE} 件"),
    Band("overdue", "#f08c2e", f"超期 1–{MANY_OVERDUE - 1} 件"),
    Band("open", "#f7dc6f", "有在办、无超期"),
    Band("calm", "#cfe8cf", "无在办案件"),
)


def band_of(area: MapArea) -> str:
    if area.overdue >= MANY_OVERDUE:
        return "many"
    if area.overdue > 0:
        return "overdue"
    if area.open > 0:
        return "open"
    return "calm"


def text_width(text: str, size: float) -> float:
    """A rough width of ``text`` at ``size`` px: CJK glyphs are square, Latin ones about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def describe_zh(area: MapArea) -> str:
    return f"{area.name}（{area.code}）：在办 {area.open} 件，超期 {area.overdue} 件"


def grid_map_svg(
    areas: Sequence[MapArea],
    *,
    title: str = "网格在办与超期案件分布",
    width: float = 640,
    height: float = 420,
    legend_labels: dict[str, str] | None = None,
    describe: Callable[[MapArea], str] = describe_zh,
    svg_id: str = "grid-map",
) -> str:
    """The map as SVG markup, or ``""`` when no area has a boundary."""
    shaped = [(a, g) for a in areas if (g := as_geometry(a.boundary)) is not None]
    legend_h = 26.0
    frame = frame_for([g for _, g in shaped], width=width, height=height - legend_h)
    if frame is None:
        return ""
    labels = {b.key: b.label for b in BANDS} | (legend_labels or {})
    fills = {b.key: b.fill for b in BANDS}
    title_id = f"{svg_id}-title"
    # With links inside, the map is a group of named links (an "img" may hold no controls).
    role = "group" if any(a.href for a, _ in shaped) else "img"
    out = [
        f'<svg id="{escape(svg_id)}" class="grid-map" viewBox="0 0 {width:g} {height:g}" '
        f'role="{role}" aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(title)}</title>',
    ]
    for area, geometry in shaped:
        band = band_of(area)
        shape = (
            f'<path d="{path_data(frame, geometry)}" fill="{fills[band]}" fill-rule="evenodd" '
            f'stroke="#1f2937" stroke-width="1" data-code="{escape(area.code)}" '
            f'data-open="{area.open}" data-overdue="{area.overdue}" class="band-{band}">'
            f"<title>{escape(describe(area))}</title></path>"
        )
        if area.href:
            label = escape(describe(area))
            shape = f'<a href="{escape(area.href)}" aria-label="{label}">{shape}</a>'
        out.append(shape)
    # the legend: a row of swatches along the bottom
    x, y = 6.0, height - legend_h + 6
    out.append('<g class="legend">')
    for band in BANDS:
        label = labels[band.key]
        out.append(
            f'<rect x="{x:g}" y="{y:g}" width="14" height="14" fill="{band.fill}" '
            f'stroke="#1f2937" stroke-width="1"/>'
            f'<text x="{x + 18:g}" y="{y + 12:g}" font-size="12" fill="#1a1a1a">'
            f"{escape(label)}</text>"
        )
        x += 30 + text_width(label, 12)
    out.append("</g></svg>")
    return "".join(out)
