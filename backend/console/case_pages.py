"""The case page (facts, photos, map, timeline, duplicates, action forms) and its actions.

Each action form posts to ``/console/cases/{id}/{action}``, which calls the same service of
``grid.cases.services.triage`` as the JSON API; a refusal is shown on the page in the user's
language, a success redirects back to the page (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath

from backend.console.render import page
from backend.console.session import language_of, session_actor, settings_of
from backend.console.texts import text
from backend.errors import DomainError, invalid
from backend.i18n import translate
from grid.actors import Actor
from grid.cases.services import queries, triage
from grid.cases.services.queries import CaseDetail
from grid.cases.states import ACTION_ZH, CaseAction
from grid.cases.tables import AssigneeKind, Channel
from grid.geo.coords import to_wgs84
from grid.geo.svg import as_geometry, frame_for, path_data
from grid.services.centers import list_departments
from grid.services.unit_queries import list_units
from grid.tables import Level, OrgUnit, StaffAccount

CHANNEL = Channel.console
#: The decisions the console offers, in the order of the forms on the page.
CONSOLE_ACTIONS = ("claim", "file", "dispatch", "send_down", "merge", "reject", "close")
MAP_W, MAP_H = 400, 300


@dataclass(frozen=True)
class CaseMap:
    name: str
    path: str
    x: float | None
    y: float | None
    width: int = MAP_W
    height: int = MAP_H


async def case_map(detail: CaseDetail) -> CaseMap | None:
    """The case's grid (where it happened) with its point, as an offline SVG sketch."""
    case = detail.case
    unit = (
        await OrgUnit.select(OrgUnit.name, OrgUnit.boundary)
        .where(OrgUnit.id == case.home_unit_id)
        .first()
    )
    geometry = as_geometry(unit["boundary"]) if unit else None
    point = None
    if case.lon is not None and case.lat is not None:
        point = to_wgs84(case.lon, case.lat, case.coord_system)
    if geometry is None and point is None:
        return None
    frame = frame_for([geometry] if geometry else [], points=[point] if point else [])
    if frame is None:
        return None
    x = y = None
    if point is not None:
        x, y = frame.project(*point)
    name = unit["name"] if unit else ""
    return CaseMap(name, path_data(frame, geometry) if geometry else "", x, y)


@dataclass(frozen=True)
class Target:
    value: str
    label: str


async def _targets(actor: Actor, detail: CaseDetail) -> dict[str, list[Target]]:
    """Choices for dispatch and send-down, from the lists the actor may read (the services
    check again when the form comes back)."""
    case = detail.case
    offered = set(detail.my_actions)
    targets: dict[str, list[Target]] = {"departments": [], "units": [], "lower": []}
    if not offered & {"dispatch", "send_down"}:
        return targets
    below: list[Any] = []
    for level in (Level.street, Level.community, Level.grid):
        try:
            found, _ = await list_units(actor, under=case.unit_id, level=level, limit=200)
        except DomainError:
            found = []
        below += found
    if "dispatch" in offered:
        departments, _ = await list_departments(actor, limit=200)
        targets["departments"] = [Target(f"department:{d.id}", d.name) for d in departments]
        targets["units"] = [Target(f"unit:{u.id}", u.name) for u in below]
    if "send_down" in offered:
        targets["lower"] = [Target(str(u.id), u.name) for u in below]
    return targets


async def _render(
    request: Request[Any, Any, Any],
    actor: Actor,
    case_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Any:
    settings = settings_of(request)
    detail = await queries.case_detail(actor, case_id, settings=settings)
    duplicates = await queries.duplicate_suggestions(actor, case_id)
    done = request.query_params.get("done")
    done_text = None
    if done in CONSOLE_ACTIONS and not error:
        done_text = text("done", language_of(request), action=ACTION_ZH[CaseAction(done)])
    offered = [a for a in CONSOLE_ACTIONS if a in detail.my_actions]
    claimed_by = None
    if detail.case.claimed_by is not None:
        holder = (
            await StaffAccount.select(StaffAccount.display_name)
            .where(StaffAccount.id == detail.case.claimed_by)
            .first()
        )
        claimed_by = holder["display_name"] if holder else f"#{detail.case.claimed_by}"
    context = {
        "detail": detail,
        "c": detail.case,
        "duplicates": duplicates,
        "map": await case_map(detail),
        "actions": offered,
        "action_zh": {a: ACTION_ZH[CaseAction(a)] for a in CONSOLE_ACTIONS},
        "targets": await _targets(actor, detail),
        "error": error,
        "done": done_text,
        "claimed_by": claimed_by,
    }
    return page(request, "case.html", context, status_code=status_code)


@get("/cases/{case_id:int}")
async def case_page(request: Request[Any, Any, Any], case_id: FromPath[int]) -> Any:
    actor = await session_actor(request)
    return await _render(request, actor, case_id)


def _field(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _int(form: FormMultiDict, name: str) -> int | None:
    value = _field(form, name)
    if not value:
        return None
    if not value.isdigit():
        raise invalid(name, "a positive integer")
    return int(value)


def _target(form: FormMultiDict) -> tuple[AssigneeKind, int]:
    kind, _, ident = _field(form, "target").partition(":")
    if kind not in ("department", "unit") or not ident.isdigit():
        raise invalid("target", "choose a department or a unit")
    return AssigneeKind(kind), int(ident)


Act = Callable[[Actor, int, FormMultiDict, int | None], Awaitable[dict[str, Any]]]


async def _claim(actor: Actor, case_id: int, form: FormMultiDict, v: int | None) -> Any:
    return await triage.claim_case(actor, case_id, channel=CHANNEL, version=v)


async def _file(actor: Actor, case_id: int, form: FormMultiDict, v: int | None) -> Any:
    return await triage.file_case(actor, case_id, channel=CHANNEL, version=v)


async def _dispatch(actor: Actor, case_id: int, form: FormMultiDict, v: int | None) -> Any:
    kind, target_id = _target(form)
    return await triage.dispatch_case(
        actor,
        case_id,
        kind=kind,
        target_id=target_id,
        reason=_field(form, "reason"),
        channel=CHANNEL,
        version=v,
    )


async def _send_down(actor: Actor, case_id: int, form: FormMultiDict, v: int | None) -> Any:
    unit_id = _int(form, "unit_id")
    if unit_id is None:
        raise invalid("unit_id", "choose a unit")
    return await triage.send_down_case(
        actor, case_id, unit_id, reason=_field(form, "reason"), channel=CHANNEL, version=v
    )


async def _merge(actor: Actor, case_id: int, form: FormMultiDict, v: int | None) -> Any:
    into = _int(form, "into_case_id_typed") or _int(form, "into_case_id")
    if into is None:
        raise invalid("into_case_id", "choose the case to merge into")
    return await triage.merge_case(
        actor, case_id, into, reason=_field(form, "reason"), channel=CHANNEL, version=v
    )


async def _reject(actor: Actor, case_id: int, form: FormMultiDict, v: int | None) -> Any:
    return await triage.reject_case(
        actor, case_id, _field(form, "reason"), channel=CHANNEL, version=v
    )


async def _close(actor: Actor, case_id: int, form: FormMultiDict, v: int | None) -> Any:
    return await triage.close_case(
        actor, case_id, reason=_field(form, "reason"), channel=CHANNEL, version=v
    )


ACTS: dict[str, Act] = {
    "claim": _claim,
    "file": _file,
    "dispatch": _dispatch,
    "send_down": _send_down,
    "merge": _merge,
    "reject": _reject,
    "close": _close,
}


@post("/cases/{case_id:int}/{action:str}")
async def case_action(
    request: Request[Any, Any, Any], case_id: FromPath[int], action: FromPath[str]
) -> Any:
    actor = await session_actor(request)
    act = ACTS.get(action.replace("-", "_"))
    if act is None:
        raise invalid("action", ", ".join(CONSOLE_ACTIONS))
    form = await request.form()
    try:
        await act(actor, case_id, form, _int(form, "version"))
    except DomainError as exc:
        message = translate(exc.code, language_of(request), exc.data)
        # the page itself re-checks scope: outside it, the error page says "not found"
        return await _render(request, actor, case_id, error=message, status_code=exc.status)
    location = f"/console/cases/{case_id}?done={action.replace('-', '_')}"
    return Response(content=b"", status_code=303, headers={"Location": location})
