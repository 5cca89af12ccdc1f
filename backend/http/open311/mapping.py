"""Translation between gridgov's words and GeoReport v2's: categories → services, case
states → ``open``/``closed`` (or FixMyStreet's extended statuses), published cases →
service requests. No case rule lives here; the cases domain decides, this only renames."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from grid.cases.services.categories import CategoryView
from grid.cases.services.public import PublicCase
from grid.cases.states import CaseState

S = CaseState

#: FixMyStreet's extended statuses for each case state, and the plain GeoReport status.
EXTENDED: dict[CaseState, str] = {
    S.reported: "OPEN",
    S.filed: "INVESTIGATING",
    S.dispatched: "ACTION_SCHEDULED",
    S.in_progress: "IN_PROGRESS",
    S.handled: "IN_PROGRESS",  # done by the handler, not yet verified
    S.verified: "FIXED",
    S.closed: "FIXED",
    S.evaluated: "FIXED",
    S.rejected: "NO_FURTHER_ACTION",
    S.merged: "DUPLICATE",
}
CLOSED = frozenset({S.verified, S.closed, S.evaluated, S.rejected, S.merged})


def plain_status(state: CaseState) -> str:
    return "closed" if state in CLOSED else "open"


def states_for(statuses: list[str]) -> list[CaseState] | None:
    """Case states matching ``status=open,closed`` (plain or extended values); None when no
    filter was asked; ``ValueError`` for an unknown one."""
    wanted = [s.strip() for s in statuses if s.strip()]
    if not wanted:
        return None
    found: set[CaseState] = set()
    for status in wanted:
        if status.lower() in ("open", "closed"):
            found |= {s for s in CaseState if plain_status(s) == status.lower()}
        elif status.upper() in EXTENDED.values():
            found |= {s for s, e in EXTENDED.items() if e == status.upper()}
        else:
            raise ValueError(status)
    return sorted(found)


@cache
def attribute_table() -> dict[str, list[dict[str, Any]]]:
    data = json.loads((Path(__file__).parent / "attributes.json").read_text("utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def attributes_of(code: str) -> list[dict[str, Any]]:
    """The service definition's attributes, in the spec's shape."""
    return [
        {
            "variable": True,
            "code": a["code"],
            "datatype": a["datatype"],
            "required": a["required"],
            "datatype_description": "",
            "order": i,
            "description": a["description"],
            **({"values": a["values"]} if "values" in a else {}),
        }
        for i, a in enumerate(attribute_table().get(code, []), start=1)
    ]


def check_attributes(code: str, given: dict[str, str]) -> dict[str, str]:
    """The known attributes of a POST, validated by datatype; ``ValueError`` names a bad one."""
    kept: dict[str, str] = {}
    for a in attribute_table().get(code, []):
        value = given.get(a["code"], "").strip()
        if not value:
            if a["required"]:
                raise ValueError(f"attribute[{a['code']}] is required")
            continue
        if a["datatype"] == "number":
            try:
                float(value)
            except ValueError:
                raise ValueError(f"attribute[{a['code']}] must be a number") from None
        if a["datatype"] == "singlevaluelist" and value not in {v["key"] for v in a["values"]}:
            raise ValueError(f"attribute[{a['code']}] must be one of its values")
        kept[a["code"]] = value[:500]
    return kept


def service(category: CategoryView, groups: dict[int, str]) -> dict[str, Any]:
    keywords = [w for w in (category.name, category.name_en, category.kind) if w]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name_en,
        "metadata": bool(attribute_table().get(category.code)),
        "type": "realtime",
        "keywords": ",".join(keywords),
        "group": groups.get(category.parent_id or 0, ""),
    }


def w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Extras:
    token: str = ""
    media_url: str = ""


def service_request(
    case: PublicCase, names: dict[str, str], extras: Extras, *, extended: bool
) -> dict[str, Any]:
    """One request as GeoReport v2 shows it; nothing about the reporter."""
    return {
        "service_request_id": str(case.id),
        "status": EXTENDED[case.state] if extended else plain_status(case.state),
        "status_notes": case.note,
        "service_name": names.get(case.category_code, ""),
        "service_code": case.category_code,
        "description": case.description,
        "agency_responsible": case.holder,
        "service_notice": case.number,
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.deadline_at),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.lon,
        "media_url": extras.media_url,
    }
