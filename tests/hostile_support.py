"""Helpers of the hostile-input tests: row counts of every table, the error envelope check,
and a loopback HTTP server that records whether anything fetched from it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from piccolo.conf.apps import Finder


def all_tables() -> list[Any]:
    """Every Piccolo table of every app, so a new table is counted without editing a list."""
    return sorted(Finder().get_table_classes(), key=lambda t: t._meta.tablename)


async def table_counts() -> dict[str, int]:
    """Row count of every table, in one query (the tests take it around every operation)."""
    tables = all_tables()
    names = [t._meta.tablename for t in tables]
    parts = ", ".join(f'(SELECT COUNT(*) FROM "{n}") AS "{n}"' for n in names)
    row = (await tables[0].raw(f"SELECT {parts}"))[0]
    return {n: int(row[n]) for n in names}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def assert_envelope(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """A refusal in the project's shape: ``{code, message, data}``, message in Chinese."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    body = response.json()
    assert set(body) == {"code", "message", "data"}, body
    if code is not None:
        assert body["code"] == code, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    return body


class Tripwire:
    """An HTTP server on 127.0.0.1 that answers every GET with a marker and records the paths
    asked for: an external entity that points here proves by ``hits`` whether it was fetched."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        tripwire = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                tripwire.hits.append(self.path)
                body = b"TRIPWIRE-FETCHED"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Tripwire:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
