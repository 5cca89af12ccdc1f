"""The ``gridgov`` command: serve, migrate, load demo data, import units and residents."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from backend import db, pii
from backend.config import Settings, SettingsError, load_settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _run(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run one coroutine against the configured database, pool opened and closed around it."""

    async def main() -> T:
        pii.configure(settings.pii_key)
        engine = db.ensure_engine(settings)
        await db.open_pool(engine)
        try:
            return await work()
        finally:
            await db.close_pool(engine)

    return asyncio.run(main())


@click.group()
def main() -> None:
    """gridgov — 网格化治理后端 (grassroots grid governance backend)."""


@main.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("migrate")
def db_migrate() -> None:
    """Apply all pending migrations (SQLite or PostgreSQL, from GRIDGOV_DATABASE_URL)."""
    _run(_settings(), db.migrate)
    click.echo("migrations applied")


@db_group.command("status")
def db_status() -> None:
    """List migrations not yet applied; exit 1 if there are any."""
    pending = _run(_settings(), db.pending_migrations)
    for ident in pending:
        click.echo(f"pending: {ident}")
    if pending:
        sys.exit(1)
    click.echo("up to date")


def _print_logins(logins: list[Any]) -> None:
    click.echo("demo logins (username / password — role @ unit):")
    for login in logins:
        click.echo(f"  {login.username} / {login.password} — {login.role} @ {login.unit_name}")


@main.command("demo")
@click.option("--seed", default=2026, show_default=True, help="Seed of the synthetic district.")
def demo(seed: int) -> None:
    """Load the deterministic synthetic demo district (dev only; idempotent)."""
    from grid.demo import build_demo

    settings = _settings()
    if settings.env == "prod":
        raise click.ClickException("demo data has known passwords; refusing in GRIDGOV_ENV=prod")

    async def work() -> Any:
        await db.migrate()
        return await build_demo(seed=seed, progress=True)

    summary = _run(settings, work)
    click.echo(summary.describe())
    _print_logins(summary.logins)


@main.command("import-units")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_units(path: Path) -> None:
    """Import org units from a GeoJSON FeatureCollection (idempotent; all or nothing)."""
    from grid.services.unit_import import import_units_file

    report = _run(_settings(), lambda: import_units_file(path, progress=True))
    click.echo(report.describe())
    if not report.ok:
        sys.exit(1)


@main.command("import-residents")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_residents(path: Path) -> None:
    """Import residents from CSV; bad rows are reported by line and reason."""
    from grid.services.resident_import import import_residents_file

    report = _run(_settings(), lambda: import_residents_file(path, progress=True))
    click.echo(report.describe())
    if not report.ok:
        sys.exit(1)


@main.command("create-admin")
@click.argument("username")
@click.option("--unit-code", required=True, help="Code of the top unit the admin manages.")
@click.password_option()
def create_admin(username: str, unit_code: str, password: str) -> None:
    """Create the first admin of a fresh installation."""
    from grid.services.staff import create_first_admin
    from grid.tables import OrgUnit

    async def work() -> int:
        unit = await OrgUnit.select(OrgUnit.id).where(OrgUnit.code == unit_code).first()
        if unit is None:
            raise click.ClickException(f"no unit with code {unit_code}")
        return await create_first_admin(username, password, unit["id"])

    staff_id = _run(_settings(), work)
    click.echo(f"admin {username} created (id {staff_id})")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo/--no-demo", "with_demo", default=False, help="Load the demo district first.")
@click.option("--workers", default=1, show_default=True, help="Worker processes (PostgreSQL only).")
def serve(host: str, port: int, with_demo: bool, workers: int) -> None:
    """Migrate, optionally load the demo district, and serve the API."""
    import uvicorn

    settings = _settings()

    async def prepare() -> Any:
        await db.migrate()
        if with_demo:
            from grid.demo import build_demo

            return await build_demo(progress=True)
        return None

    summary = _run(settings, prepare)
    url = f"http://{host}:{port}"
    click.echo(f"gridgov serving at {url}")
    click.echo(f"OpenAPI docs: {url}/schema/swagger  (JSON: {url}/schema/openapi.json)")
    if summary is not None:
        _print_logins(summary.logins)
    if workers > 1:
        if settings.is_sqlite:
            raise click.ClickException("several workers need PostgreSQL; SQLite serves one process")
        uvicorn.run("backend.asgi:app", host=host, port=port, workers=workers, log_level="info")
    else:
        from backend.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


if __name__ == "__main__":
    main()
