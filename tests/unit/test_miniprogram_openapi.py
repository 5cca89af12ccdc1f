"""Every mini-program route (and the staff side of binding) is documented with examples."""

from __future__ import annotations

import pytest

from backend.app import create_app
from backend.config import load_settings

METHODS = ("get", "post", "put", "patch", "delete")


def _operations() -> list[tuple[str, str, dict]]:
    schema = create_app(load_settings({})).openapi_schema.to_schema()
    return [
        (path, method, op)
        for path, item in schema["paths"].items()
        if path.startswith(("/mp/v1/", "/api/v1/mp/"))
        for method, op in item.items()
        if method in METHODS
    ]


def test_the_schema_holds_every_mini_program_area():
    paths = {path for path, _, _ in _operations()}
    for expected in (
        "/mp/v1/auth/login",
        "/mp/v1/bind/resident",
        "/mp/v1/reports/{case_id}",
        "/mp/v1/matters/{matter_id}/ballot",
        "/mp/v1/worker/cases/{case_id}/handle",
        "/mp/v1/worker/patrols",
        "/mp/v1/worker/kpis",
        "/api/v1/mp/binding-requests/{request_id}/approve",
    ):
        assert expected in paths


@pytest.mark.parametrize(("path", "method", "op"), _operations(), ids=lambda v: str(v)[:60])
def test_every_route_has_a_summary_and_examples(path, method, op):
    assert op.get("summary"), (path, method)
    success = {code: r for code, r in op["responses"].items() if code.startswith("2")}
    assert success, (path, method)
    for response in success.values():
        for content in response.get("content", {}).values():
            assert content.get("examples"), (path, method)
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        assert body["schema"].get("examples"), (path, method)
    if path != "/mp/v1/auth/login":
        assert "401" in op["responses"], (path, method)
