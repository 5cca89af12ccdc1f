"""The ``gridgov`` command: serve, migrate, load demo data, import units and residents."""

from __future__ import annotations

import asyncio
import contextlib
import io
import subprocess
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


async def _migrate_quietly() -> None:
    """Piccolo prints a banner per app and migration; ``serve`` and ``demo`` keep their output
    to what the user needs (URL, logins) and show Piccolo's report only when migrating fails."""
    report = io.StringIO()
    try:
        with contextlib.redirect_stdout(report):
            await db.migrate()
    except Exception:
        click.echo(report.getvalue(), err=True)
        raise
    click.echo("数据库已是最新 (database migrated)")


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
        await _migrate_quietly()
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


@main.command("open311-key")
@click.argument("name")
def open311_key(name: str) -> None:
    """Issue an Open311 API key for client NAME (printed once; only its hash is kept)."""
    from backend.open311_clients import issue_key
    from grid.actors import SYSTEM

    issued = _run(_settings(), lambda: issue_key(SYSTEM, name))
    click.echo(f"client {issued.client.id} ({issued.client.name}): {issued.api_key}")


@main.command("worker", context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker (extra arguments go to celery, e.g. --concurrency 4).

    SIGTERM is Celery's warm shutdown: no new tasks, running ones finish. Tasks are
    acknowledged late, so one cut short by a hard kill runs again on another worker.
    """
    from backend import metrics
    from backend.celery_app import create_celery

    settings = _settings()
    metrics.prepare(settings, fresh=True)
    metrics.serve_worker_metrics(settings)
    create_celery(settings).worker_main(
        ["worker", "--loglevel=INFO", "-Q", settings.task_queue, *celery_args]
    )


@main.command("beat", context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def beat(celery_args: tuple[str, ...]) -> None:
    """Run the one Celery beat that schedules periodic work (escalation sweep, housekeeping)."""
    from backend.celery_app import create_celery

    create_celery(_settings()).start(["celery", "beat", "--loglevel=INFO", *celery_args])


def _start_embedded_worker(settings: Settings) -> subprocess.Popen[bytes] | None:
    """With the filesystem broker, ``serve`` runs one worker with an embedded beat itself."""
    if not settings.broker_url.startswith("filesystem://"):
        click.echo(
            f"background tasks: broker {settings.broker_url.split('@')[-1]} — run `gridgov worker` and `gridgov beat`"
        )
        return None
    log = settings.var_dir / "worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "backend.celery_app",
        "worker",
        "--beat",
        "--pool=solo",
        "-Q",
        settings.task_queue,
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    with open(log, "ab") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    click.echo(f"background tasks: embedded worker + beat (pid {process.pid}, log {log})")
    return process


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo/--no-demo", "with_demo", default=False, help="Load the demo district first.")
@click.option("--workers", default=1, show_default=True, help="Worker processes (PostgreSQL only).")
@click.option(
    "--tasks/--no-tasks", default=True, help="Start the embedded task worker (filesystem broker)."
)
@click.option(
    "--migrate/--no-migrate",
    default=True,
    help="Apply migrations first (replicas leave it to one migration job).",
)
def serve(host: str, port: int, with_demo: bool, workers: int, tasks: bool, migrate: bool) -> None:
    """Migrate, optionally load the demo district, and serve the API.

    On SIGTERM uvicorn stops accepting connections and gives in-flight requests
    GRIDGOV_SHUTDOWN_GRACE seconds to finish before it closes them.
    """
    import uvicorn

    from backend import logs, metrics

    settings = _settings()
    metrics.prepare(settings, fresh=True)

    async def prepare() -> Any:
        if migrate or with_demo:
            await _migrate_quietly()
        if with_demo:
            from grid.demo import build_demo

            return await build_demo(progress=True)
        return None

    summary = _run(settings, prepare)
    url = f"http://{host}:{port}"
    click.echo(f"gridgov serving at {url}")
    click.echo(f"OpenAPI docs: {url}/schema/swagger  (JSON: {url}/schema/openapi.json)")
    click.echo(f"Triage console: {url}/console/  (staff accounts; docs/console.md)")
    if summary is not None:
        click.echo(summary.describe())
        _print_logins(summary.logins)
    if workers > 1 and settings.is_sqlite:
        raise click.ClickException("several workers need PostgreSQL; SQLite serves one process")
    task_worker = _start_embedded_worker(settings) if tasks else None
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": logs.logging_config(settings),
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
        # nginx or the cluster's ingress sits in front: trust its X-Forwarded-For.
        "proxy_headers": True,
    }
    try:
        if workers > 1:
            uvicorn.run("backend.asgi:app", workers=workers, **options)
        else:
            from backend.app import create_app

            uvicorn.run(create_app(settings, serving=True), **options)
    finally:
        _stop(task_worker)


if __name__ == "__main__":
    main()


@main.group("bots")
def bots_group() -> None:
    """Chat channels (Telegram, WeChat)."""


@bots_group.command("set-webhook")
@click.argument("url")
def bots_set_webhook(url: str) -> None:
    """Tell Telegram to post updates to URL (…/api/v1/bots/telegram/webhook), with the secret."""
    settings = _settings()
    if not settings.telegram_token or not settings.telegram_secret:
        raise click.ClickException("set GRIDGOV_TELEGRAM_TOKEN and GRIDGOV_TELEGRAM_SECRET first")

    async def work() -> bool:
        from bots.telegram.transport import TelegramBot

        bot = TelegramBot(settings)
        await bot.application.initialize()
        try:
            return await bot.set_webhook(url)
        finally:
            await bot.application.shutdown()

    if not asyncio.run(work()):
        raise click.ClickException("Telegram refused the webhook")
    click.echo(f"webhook set: {url}")
