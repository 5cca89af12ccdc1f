"""Operators' view over HTTP: Prometheus metrics, the request id round trip."""

from __future__ import annotations

import re

import httpx
from prometheus_client.parser import text_string_to_metric_families

from backend.app import create_app
from backend.config import Settings
from grid.cases.states import CaseState


def _families(text: str) -> dict[str, object]:
    return {family.name: family for family in text_string_to_metric_families(text)}


def _sample(family, suffix: str, **labels: str) -> float:
    values = [
        s.value
        for s in family.samples
        if s.name == family.name + suffix and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    return sum(values)


async def test_metrics_count_requests_by_route_template_with_latency(client, world):
    unit_id = world.units["street_a"]
    before = _families((await client.get("/metrics")).text)
    for _ in range(3):
        answer = await client.get(f"/api/v1/units/{unit_id}", headers=world.headers("admin"))
        assert answer.status_code == 200
    missing = await client.get("/api/v1/units/999999999", headers=world.headers("admin"))
    assert missing.status_code == 404

    scraped = await client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    after = _families(scraped.text)
    route = {"path": "/api/v1/units/{unit_id}", "method": "GET"}

    def delta(name: str, suffix: str, **labels: str) -> float:
        was = _sample(before[name], suffix, **labels) if name in before else 0.0
        return _sample(after[name], suffix, **labels) - was

    assert delta("gridgov_requests", "_total", status_code="200", **route) == 3
    assert delta("gridgov_requests", "_total", status_code="404", **route) == 1
    assert delta("gridgov_request_duration_seconds", "_count", status_code="200", **route) == 3
    assert after["gridgov_request_duration_seconds"].type == "histogram"
    # The concrete id never becomes a label: one series per route, not per unit.
    # (a path segment, not a digit anywhere: "/open311/..." is a template too)
    concrete = re.compile(rf"/{unit_id}(/|$)")
    assert not any(
        concrete.search(s.labels.get("path", "")) for s in after["gridgov_requests"].samples
    )


async def test_metrics_report_cases_by_state_and_queue_lengths(client):
    families = _families((await client.get("/metrics")).text)
    states = {s.labels["state"] for s in families["gridgov_cases"].samples}
    assert states == {state.value for state in CaseState}
    assert families["gridgov_task_queue_length"].samples[0].labels == {"queue": "gridgov"}
    assert families["gridgov_task_queue_length"].samples[0].value >= 0


async def test_notification_failures_are_counted(client):
    from backend import metrics

    def failures(text: str) -> float:
        family = _families(text).get("gridgov_notification_failures")
        return _sample(family, "_total", channel="telegram") if family else 0.0

    before = failures((await client.get("/metrics")).text)
    metrics.notification_failed("telegram")
    metrics.notification_failed("telegram")
    assert failures((await client.get("/metrics")).text) - before == 2


async def test_metrics_want_the_token_when_one_is_configured(settings: Settings):
    guarded = Settings(**{**settings.__dict__, "metrics_token": "s3cret-metrics-token"})
    transport = httpx.ASGITransport(app=create_app(guarded))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (await client.get("/metrics", headers=wrong)).status_code == 401
        right = {"Authorization": "Bearer s3cret-metrics-token"}
        answer = await client.get("/metrics", headers=right)
        assert answer.status_code == 200
        assert "gridgov_cases" in answer.text


async def test_request_id_from_the_caller_comes_back(client):
    answer = await client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a.17"})
    assert answer.headers["x-request-id"] == "nginx-4f2a.17"


async def test_request_id_is_made_when_missing_or_unsafe(client):
    made = (await client.get("/healthz")).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    for unsafe in ("has spaces in it", "x" * 65, "line\\nbreak"):
        answer = await client.get("/healthz", headers={"X-Request-ID": unsafe})
        assert answer.headers["x-request-id"] != unsafe
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])
    second = (await client.get("/healthz")).headers["x-request-id"]
    assert second != made


async def test_error_responses_carry_the_request_id_too(client, world):
    answer = await client.get(
        "/api/v1/units/999999999", headers={**world.headers("admin"), "X-Request-ID": "trace-404"}
    )
    assert answer.status_code == 404
    assert answer.headers["x-request-id"] == "trace-404"
