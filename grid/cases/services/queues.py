"""The triage queues: what waits for my decision (``new``, ``escalated``) and what runs in my
scope (``overdue``, ``open``). One function builds each queue's condition, so the list and
the tab counts (:func:`queue_counts`) cannot disagree about who sees what."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from backend import clock
from backend.errors import forbidden, invalid, not_found
from grid.actors import Actor
from grid.cases.calendar import Light
from grid.cases.services.queries import CaseView, case_view
from grid.cases.states import DECIDERS, RUNNING, CaseState, Party
from grid.cases.tables import Arrival, Case
from grid.permissions import Action
from grid.tables import OrgUnit


class Queue(StrEnum):
    new = "new"  # reported to one of my units, waiting to be filed
    escalated = "escalated"  # climbed to one of my units, waiting for a decision
    overdue = "overdue"  # past its deadline, anywhere in my scope
    open = "open"  # every case whose clock runs, in my scope


def _decider_units(actor: Actor) -> list[int]:
    return sorted({g.unit_id for g in actor.grants if Party(g.role) in DECIDERS})


def _under(column: Any, prefixes: list[str]) -> Any:
    condition = column.like(prefixes[0] + "%")
    for prefix in prefixes[1:]:
        condition = condition | column.like(prefix + "%")
    return condition


def queue_where(actor: Actor, queue: Queue, now: datetime) -> Any:
    """The scope rule of one queue for this actor (refused when they do not have it)."""
    if queue in (Queue.new, Queue.escalated):
        units = _decider_units(actor)
        if not units:
            raise forbidden("case.triage")
        waiting = (
            [CaseState.reported] if queue is Queue.new else [CaseState.reported, CaseState.filed]
        )
        where = Case.unit.is_in(units) & Case.state.is_in(waiting)
        if queue is Queue.escalated:
            where = where & (Case.arrived_by == Arrival.escalation)
        return where
    prefixes = actor.scope_prefixes(Action.case_read)
    if not prefixes:
        raise forbidden(str(Action.case_read))
    where = Case.state.is_in(list(RUNNING)) & _under(Case.unit_prefix, prefixes)
    if queue is Queue.overdue:
        where = where & (Case.deadline_at < now)
    return where


async def triage_queue(
    actor: Actor,
    queue: Queue,
    *,
    category_id: int | None = None,
    unit_id: int | None = None,
    light: Light | None = None,
    level: str | None = None,
    channel: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[CaseView], int]:
    """A center's (or community's, grid leader's) work lists, oldest deadline first;
    ``level`` is the responsible level now, ``channel`` the one the report came in by."""
    now = clock.now()
    where = queue_where(actor, queue, now)
    if category_id is not None:
        where = where & (Case.category == category_id)
    if unit_id is not None:
        unit = await OrgUnit.select(OrgUnit.prefix).where(OrgUnit.id == unit_id).first()
        if unit is None or not actor.may(Action.case_read, unit["prefix"]):
            raise not_found("unit", unit_id)
        where = where & (
            Case.unit_prefix.like(unit["prefix"] + "%")
            | Case.home_prefix.like(unit["prefix"] + "%")
        )
    if level is not None:
        where = where & (Case.level == level)
    if channel is not None:
        where = where & (Case.channel == channel)
    if light is not None:
        where = where & Case.state.is_in(list(RUNNING))
        if light is Light.red:
            where = where & (Case.deadline_at < now)
        elif light is Light.yellow:
            where = where & (Case.warn_at <= now) & (Case.deadline_at >= now)
        else:
            where = where & (Case.warn_at > now)
    rows = await Case.select().where(where).order_by(Case.deadline_at).offset(offset).limit(limit)
    total = await Case.count().where(where)
    return [await case_view(r) for r in rows], total


async def queue_counts(actor: Actor, queues: list[Queue]) -> dict[Queue, int]:
    """How many cases each of these queues holds now, unfiltered (the console's tab badges):
    the same conditions as :func:`triage_queue`, so a badge never counts a case the list
    would not show."""
    now = clock.now()
    return {q: await Case.count().where(queue_where(actor, q, now)) for q in queues}


def check_queue(value: str) -> Queue:
    try:
        return Queue(value)
    except ValueError:
        raise invalid("queue", "new, escalated, overdue or open") from None
