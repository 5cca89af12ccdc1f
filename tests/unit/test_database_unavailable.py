"""Which errors mean "the database cannot be reached right now" (a 503 to retry), and which
remain bugs (a 500 with a trace)."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from backend.db import unavailable


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        ConnectionResetError(104, "Connection reset by peer"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("connection is closed"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        sqlite3.OperationalError("database is locked"),
        ExceptionGroup("dependencies", [ConnectionRefusedError(111, "refused")]),
    ],
)
def test_lost_or_refused_database_connections_count_as_unavailable(error: Exception) -> None:
    assert unavailable(error)


def test_an_error_raised_from_a_lost_connection_counts_as_unavailable() -> None:
    try:
        try:
            raise asyncpg.AdminShutdownError("terminating connection")
        except asyncpg.AdminShutdownError as lost:
            raise RuntimeError("query failed") from lost
    except RuntimeError as wrapped:
        assert unavailable(wrapped)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bug"),
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.UndefinedColumnError("column does not exist"),
        sqlite3.OperationalError("no such table: case_record"),
        ExceptionGroup("mixed", [ConnectionRefusedError(111, "refused"), KeyError("bug")]),
    ],
)
def test_bugs_and_data_errors_are_not_hidden_as_unavailable(error: Exception) -> None:
    assert not unavailable(error)
