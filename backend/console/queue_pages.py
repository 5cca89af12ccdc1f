"""The work queue: tabs per triage queue, filters, deadline order, and a rows fragment with an
ETag that the page polls (a 304 when nothing changed)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromQuery

from backend.console.render import page
from backend.console.session import session_actor
from backend.errors import invalid
from grid.actors import Actor
from grid.cases.calendar import Light
from grid.cases.services.categories import all_categories
from grid.cases.services.queries import CaseView
from grid.cases.services.queues import Queue, check_queue, queue_counts, triage_queue
from grid.cases.states import DECIDERS, Party
from grid.cases.tables import Channel
from grid.permissions import Action
from grid.services.unit_queries import list_units
from grid.tables import Level, OrgUnit

PAGE_SIZE = 50
POLL_SECONDS = 15
FILTER_LEVELS = (Level.district, Level.street, Level.community, Level.grid)


def queues_for(actor: Actor) -> list[Queue]:
    """The tabs this user has: deciders get what waits for their decision, anyone who may
    read cases gets what is overdue and open in their scope (same rules as the queries)."""
    tabs: list[Queue] = []
    if any(Party(g.role) in DECIDERS for g in actor.grants):
        tabs += [Queue.escalated, Queue.new]
    if actor.scope_prefixes(Action.case_read):
        tabs += [Queue.overdue, Queue.open]
    return tabs


@dataclass(frozen=True)
class Filters:
    level: str | None = None
    unit_id: int | None = None
    category_id: int | None = None
    light: Light | None = None
    channel: str | None = None

    def query(self) -> dict[str, str]:
        pairs = {
            "level": self.level,
            "unit_id": self.unit_id,
            "category_id": self.category_id,
            "light": self.light,
            "channel": self.channel,
        }
        return {k: str(v) for k, v in pairs.items() if v is not None}


def _choice(value: str | None, kind: type[Any], field: str) -> Any:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise invalid(field, "unknown value") from None


def _number(value: str | None, field: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise invalid(field, "a positive integer")
    return int(value)


def read_filters(request: Request[Any, Any, Any]) -> Filters:
    q = request.query_params
    return Filters(
        level=_choice(q.get("level"), Level, "level"),
        unit_id=_number(q.get("unit_id"), "unit_id"),
        category_id=_number(q.get("category_id"), "category_id"),
        light=_choice(q.get("light"), Light, "light"),
        channel=_choice(q.get("channel"), Channel, "channel"),
    )


def pick_queue(actor: Actor, value: str | None) -> Queue | None:
    """The asked-for queue when this user has it, else their first one."""
    tabs = queues_for(actor)
    if value and check_queue(value) in tabs:
        return check_queue(value)
    return tabs[0] if tabs else None


async def load_rows(actor: Actor, queue: Queue, filters: Filters) -> tuple[list[CaseView], int]:
    return await triage_queue(
        actor,
        queue,
        category_id=filters.category_id,
        unit_id=filters.unit_id,
        light=filters.light,
        level=filters.level,
        channel=filters.channel,
        limit=PAGE_SIZE,
    )


async def unit_names(rows: list[CaseView]) -> dict[int, str]:
    """Names of the responsible units on screen (units of cases the actor already sees)."""
    ids = sorted({r.unit_id for r in rows})
    if not ids:
        return {}
    found = await OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.is_in(ids))
    return {u["id"]: u["name"] for u in found}


async def tab_counts(actor: Actor) -> dict[str, int]:
    """The badge of every tab this user has, from the domain's own queue conditions."""
    counts = await queue_counts(actor, queues_for(actor))
    return {str(q): n for q, n in counts.items()}


def counts_header(counts: dict[str, int]) -> str:
    """``escalated=2,new=0,…``: the polled fragment carries the badges in a header."""
    return ",".join(f"{q}={n}" for q, n in counts.items())


def etag_of(
    queue: Queue, filters: Filters, rows: list[CaseView], total: int, counts: dict[str, int]
) -> str:
    """Changes when a case arrives, leaves, moves or changes light, or a tab's count moves."""
    seen = repr((queue, filters, total, [(r.id, r.version, r.light) for r in rows], counts))
    return '"' + hashlib.sha256(seen.encode()).hexdigest()[:32] + '"'


async def _options(actor: Actor) -> dict[str, Any]:
    units = []
    for level in FILTER_LEVELS:
        found, _ = await list_units(actor, level=level, limit=200)
        units += found
    categories = sorted((await all_categories()).values(), key=lambda c: c.code)
    return {
        "units": units,
        "categories": [c for c in categories if getattr(c, "active", True)],
        "levels": [str(level) for level in FILTER_LEVELS],
        "lights": [str(light) for light in (Light.red, Light.yellow, Light.green)],
        "channels": [str(c) for c in Channel if c is not Channel.system],
    }


@get("/queue")
async def queue_page(request: Request[Any, Any, Any], queue: FromQuery[str | None] = None) -> Any:
    actor = await session_actor(request)
    chosen = pick_queue(actor, queue)
    filters = read_filters(request)
    rows: list[CaseView] = []
    total = 0
    if chosen is not None:
        rows, total = await load_rows(actor, chosen, filters)
    counts = await tab_counts(actor)
    context = {
        "tabs": [str(q) for q in queues_for(actor)],
        "counts": counts,
        "queue": str(chosen) if chosen else None,
        "filters": filters,
        "query": filters.query(),
        "rows": rows,
        "unit_names": await unit_names(rows),
        "total": total,
        "poll_seconds": POLL_SECONDS,
        "etag": etag_of(chosen, filters, rows, total, counts) if chosen else "",
        **await _options(actor),
    }
    return page(request, "queue.html", context)


@get("/queue/rows")
async def queue_rows(request: Request[Any, Any, Any], queue: FromQuery[str | None] = None) -> Any:
    """The table body alone, for the page's polling; 304 while the ETag still matches."""
    actor = await session_actor(request)
    chosen = pick_queue(actor, queue)
    if chosen is None:
        return Response(content=b"", status_code=204)
    filters = read_filters(request)
    rows, total = await load_rows(actor, chosen, filters)
    counts = await tab_counts(actor)
    etag = etag_of(chosen, filters, rows, total, counts)
    if request.headers.get("if-none-match") == etag:
        return Response(content=b"", status_code=304, headers={"ETag": etag})
    context = {
        "rows": rows,
        "unit_names": await unit_names(rows),
        "total": total,
        "queue": str(chosen),
    }
    return page(
        request,
        "queue_rows.html",
        context,
        headers={
            "ETag": etag,
            "X-Queue-Total": str(total),
            "X-Queue-Counts": counts_header(counts),
        },
    )
