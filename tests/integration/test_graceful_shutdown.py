"""SIGTERM to ``gridgov serve`` lets the request in flight finish, then the process exits.

The request is made slow honestly: the client sends the headers and half of the body, the
server gets SIGTERM, and only then does the client send the rest. A server that dropped
in-flight work would close the socket instead of answering.
"""

from __future__ import annotations

import json
import signal
import socket
import time

import pytest

from tests.servers import free_port, gridgov_serve, serve_env

BODY = json.dumps({"username": "nobody", "password": "wrong-password"}).encode()


def _start_request(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        "POST /api/v1/auth/login HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\n"
        "X-Request-ID: in-flight-1\r\n"
        f"Content-Length: {len(BODY)}\r\n\r\n"
    )
    sock.sendall(head.encode() + BODY[:10])
    return sock


def _read_response(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _refuses_new_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


@pytest.fixture
def served_env(tmp_path):
    return serve_env(tmp_path, f"sqlite:///{tmp_path}/shutdown.sqlite3")


def test_sigterm_lets_the_in_flight_request_finish(served_env, tmp_path):
    port = free_port()
    with gridgov_serve(served_env, port, log=tmp_path / "serve.log") as server:
        sock = _start_request(port)
        time.sleep(0.5)  # the server has read the headers: the request is in flight
        server.send_signal(signal.SIGTERM)
        time.sleep(1.5)
        assert server.poll() is None, "the server quit with a request in flight"
        assert _refuses_new_connections(port)
        sock.sendall(BODY[10:])
        response = _read_response(sock)
        sock.close()
        # uvicorn re-raises the SIGTERM it caught once it has shut down cleanly.
        assert server.wait(timeout=20) in (0, -signal.SIGTERM)
    assert "Finished server process" in (tmp_path / "serve.log").read_text()

    status_line, _, rest = response.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 401 Unauthorized"
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert b"x-request-id: in-flight-1" in headers.lower()
    assert json.loads(body)["code"]


def test_a_request_stalled_past_the_grace_period_does_not_hold_the_shutdown(served_env, tmp_path):
    served_env["GRIDGOV_SHUTDOWN_GRACE"] = "1"
    port = free_port()
    with gridgov_serve(served_env, port, log=tmp_path / "serve.log") as server:
        sock = _start_request(port)
        time.sleep(0.5)
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        assert time.monotonic() - started < 10
        sock.close()
