"""The Open311 door's renaming of case states and its XML, without a database."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from backend.http.open311 import mapping
from backend.http.open311.render import to_xml
from grid.cases.states import FINAL, RUNNING, CaseState


@pytest.mark.parametrize("state", list(CaseState))
def test_every_case_state_has_an_open311_status(state: CaseState) -> None:
    assert mapping.plain_status(state) in ("open", "closed")
    assert state in mapping.EXTENDED
    if state in RUNNING:
        assert mapping.plain_status(state) == "open"
    if state in FINAL:
        assert mapping.plain_status(state) == "closed"


def test_status_filters_accept_plain_and_extended_values() -> None:
    assert set(mapping.states_for(["open"]) or []) == {
        s for s in CaseState if mapping.plain_status(s) == "open"
    }
    assert mapping.states_for(["DUPLICATE"]) == [CaseState.merged]
    assert mapping.states_for([]) is None
    with pytest.raises(ValueError):
        mapping.states_for(["lost"])


def test_attributes_are_checked_by_their_datatype() -> None:
    assert mapping.check_attributes("0201", {"blocking": "no", "other": "x"}) == {"blocking": "no"}
    with pytest.raises(ValueError, match="required"):
        mapping.check_attributes("0201", {})
    with pytest.raises(ValueError, match="number"):
        mapping.check_attributes("0106", {"bins": "many"})


def test_xml_lists_use_the_spec_item_names_and_escape_text() -> None:
    body = to_xml("services", [{"service_code": "0101", "service_name": "<&>", "metadata": True}])
    root = ET.fromstring(body)  # noqa: S314 — built here
    assert root.tag == "services"
    assert root.find("service/service_name").text == "<&>"
    assert root.find("service/metadata").text == "true"
