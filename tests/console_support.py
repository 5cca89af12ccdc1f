"""Helpers for console tests: cases in the states the console works on, and a signed-in
console session over HTTP (cookie + CSRF token read from the page, as a browser would)."""

from __future__ import annotations

import re
from typing import Any

from grid.cases.services import triage
from grid.cases.tables import Case
from tests.cases_support import report
from tests.personas import PASSWORD

CSRF_INPUT = re.compile(r'name="_csrf" value="([^"]+)"')


async def escalated_to_street_a(world: Any, *, description: str | None = None) -> dict[str, Any]:
    """A grid report the grid leader and then the community pass up: it waits, escalated, at
    street A's center."""
    case = await report(world, "grid_worker_a")
    if description is not None:
        await Case.update({Case.description: description}).where(Case.id == case["id"])
    await triage.escalate_case(world.actors["grid_leader_a"], case["id"], "需社区协调")
    row = await triage.escalate_case(world.actors["community_staff_a"], case["id"], "需街道协调")
    assert row["level"] == "street" and row["unit"] == world.units["street_a"], row
    return row


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def console_sign_in(client: Any, persona: str) -> str:
    """Signs ``client`` in (the cookie jar keeps the session); returns the CSRF token."""
    form = await client.get("/console/login")
    assert form.status_code == 200, form.text
    token = csrf_of(form.text)
    answer = await client.post(
        "/console/login",
        data={"username": f"t_{persona}", "password": PASSWORD, "_csrf": token},
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/queue"
    return token
