"""Every app's migrations describe its tables exactly: ``piccolo migrations new --auto`` would
write nothing. A migration that changes the schema by raw DDL only (which the snapshot of
earlier migrations cannot see) makes every later auto migration redo or rename things.

The diff is computed as the ``--auto`` command does (``AutoMigrationManager``), without
writing a file or touching a database; prompts (\"did you rename ...?\") are answered no, so a
missing rename shows as a drop and an add."""

from __future__ import annotations

import dataclasses
from itertools import chain

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.columns import Varchar
from piccolo.conf.apps import AppConfig, Finder
from piccolo.table import Table

from backend.db import APPS


def _app_configs() -> dict[str, AppConfig]:
    return dict(Finder().get_app_registry().app_configs)


async def _pending_changes(app_config: AppConfig) -> list[str]:
    statements = await AutoMigrationManager(auto_input="n").get_alter_statements(app_config)
    return list(chain.from_iterable(s.statements for s in statements))


def test_every_app_of_the_installation_is_checked() -> None:
    assert len(_app_configs()) == len(APPS)


@pytest.mark.parametrize("app_name", sorted(_app_configs()))
async def test_auto_migration_of_each_app_finds_nothing_to_do(app_name: str) -> None:
    changes = await _pending_changes(_app_configs()[app_name])
    assert changes == [], "\n".join(changes)


async def test_a_table_missing_from_the_migrations_is_found() -> None:
    class Unmigrated(Table, tablename="unmigrated_probe"):
        label = Varchar(length=10)

    grid = _app_configs()["grid"]
    drifted = dataclasses.replace(grid, table_classes=[*grid.table_classes, Unmigrated])
    changes = await _pending_changes(drifted)
    assert any("unmigrated_probe" in change for change in changes)
