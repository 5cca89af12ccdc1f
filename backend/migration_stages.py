"""A Piccolo migration whose schema steps and data steps run in the order they are written.

Piccolo's ``MigrationManager`` runs every raw step first and then its schema operations in a
fixed order (tables, columns added, columns dropped, ...), so a migration that has to convert
data between adding a column and dropping the old one cannot be one plain manager. Writing
those schema changes as raw DDL instead leaves them out of the snapshot that
``piccolo migrations new --auto`` builds from earlier migrations, and every later auto
migration then tries to redo them.

``StagedMigration`` keeps both right: each schema step is a function that records operations
on a manager; it is applied to the returned manager (so the snapshot sees every operation)
and to a manager of its own that runs at its place in the sequence. Data steps are async
callables. Forwards runs the steps in order, backwards in reverse order, all in one
transaction (the steps' own transactions join it).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

SchemaStep = Callable[[MigrationManager], None]
DataStep = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class _Data:
    forwards: DataStep
    backwards: DataStep


class StagedMigration(MigrationManager):
    """A ``MigrationManager`` run as an ordered list of schema and data steps."""

    def __init__(self, migration_id: str, app_name: str, description: str) -> None:
        super().__init__(migration_id=migration_id, app_name=app_name, description=description)
        self.steps: list[MigrationManager | _Data] = []

    def schema(self, record: SchemaStep) -> None:
        """Record ``record``'s operations for the snapshot and run them at this point."""
        record(self)
        step = MigrationManager(
            migration_id=self.migration_id, app_name=self.app_name, description=self.description
        )
        record(step)
        self.steps.append(step)

    def data(self, forwards: DataStep, backwards: DataStep = _nothing) -> None:
        """Run ``forwards`` at this point going forwards, ``backwards`` going back."""
        self.steps.append(_Data(forwards, backwards))

    async def run(self, backwards: bool = False) -> None:
        """Run the steps (Piccolo's ``--preview`` prints the schema steps' SQL, skips data)."""
        engine = engine_finder()
        if engine is None:
            raise RuntimeError("no Piccolo engine")
        direction = "backwards" if backwards else "forwards"
        print(
            f"  - {self.migration_id} [{'preview ' if self.preview else ''}{direction}]... ", end=""
        )
        async with engine.transaction():
            for step in reversed(self.steps) if backwards else self.steps:
                if isinstance(step, _Data):
                    if not self.preview:
                        await (step.backwards if backwards else step.forwards)()
                    continue
                step.preview = self.preview
                if self.preview:  # prints the SQL it would run
                    await step.run(backwards=backwards)
                    continue
                with contextlib.redirect_stdout(io.StringIO()):  # its own progress line
                    await step.run(backwards=backwards)
