"""GeoReport v2 bodies in JSON or XML. XML is built with ``xml.etree`` (escaping is the
library's), never by joining strings of user data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from litestar import MediaType, Response

FORMATS = ("json", "xml")

#: the element name of each list item in the spec's XML
ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


class Open311Error(Exception):
    """An answer in the spec's error shape: ``[{code, description}]``."""

    def __init__(self, status: int, description: str, fmt: str = "json") -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.fmt = fmt


def split_format(name: str) -> tuple[str, str]:
    """``services.json`` → (``services``, ``json``); an unknown format is a 404."""
    stem, dot, fmt = name.rpartition(".")
    if not dot or fmt not in FORMATS or not stem:
        raise Open311Error(404, f"unknown resource or format: {name}")
    return stem, fmt


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill(parent: ET.Element, name: str, value: Any) -> None:
    node = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(node, key, item)
    elif isinstance(value, list):
        for item in value:
            _fill(node, ITEM.get(name, "item"), item)
    else:
        node.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    if isinstance(value, list):
        for item in value:
            _fill(element, ITEM.get(root, "item"), item)
    else:
        for key, item in value.items():
            _fill(element, key, item)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def answer(fmt: str, root: str, value: Any, status: int = 200) -> Response[Any]:
    if fmt == "xml":
        return Response(to_xml(root, value), status_code=status, media_type=MediaType.XML)
    return Response(value, status_code=status, media_type=MediaType.JSON)


def error_answer(exc: Open311Error) -> Response[Any]:
    body = [{"code": exc.status, "description": exc.description}]
    return answer(exc.fmt, "errors", body, exc.status)
