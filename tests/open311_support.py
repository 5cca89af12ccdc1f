"""Open311 test helpers: the JSON Schemas in tests/open311_schemas/ and a client key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from backend.open311_clients import issue_key
from grid.actors import SYSTEM

SCHEMAS = Path(__file__).parent / "open311_schemas"


def check(schema: str, body: Any) -> Any:
    """``body`` if it validates against the named schema (raises otherwise)."""
    spec = json.loads((SCHEMAS / f"{schema}.json").read_text("utf-8"))
    jsonschema.validate(body, spec, format_checker=jsonschema.FormatChecker())
    return body


async def new_key(name: str = "test app") -> str:
    return (await issue_key(SYSTEM, name)).api_key
