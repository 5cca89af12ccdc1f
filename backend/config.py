"""Settings read from the environment into one frozen object.

Nothing here runs at import time: callers build settings with :func:`load_settings`, so tests
and the CLI can choose their own environment and a bad setting is reported where it is used.
Every secret may also come from ``NAME_FILE`` (a Docker/Kubernetes secret file).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Env = Literal["dev", "prod"]

#: Values that only make sense on a developer machine; production refuses them.
DEV_SECRET_KEY = "dev-secret-key-not-for-production"
DEV_PII_KEY = "dev-pii-key-not-for-production"
MIN_SECRET_LENGTH = 32


class SettingsError(RuntimeError):
    """The environment cannot start the service; the message says what to set."""


@dataclass(frozen=True)
class Settings:
    env: Env
    database_url: str
    media_url: str
    broker_url: str
    secret_key: str
    pii_key: str
    var_dir: Path
    token_ttl_hours: int = 12
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 30
    login_window_minutes: int = 15
    default_language: str = "zh-CN"
    task_queue: str = "gridgov"
    extra: Mapping[str, str] = field(default_factory=dict)
    media_max_bytes: int = 15 * 1024 * 1024
    media_max_pixels: int = 50_000_000
    media_max_photos: int = 9
    media_url_ttl_seconds: int = 900
    log_format: Literal["json", "text"] = "text"
    metrics_token: str = ""
    worker_metrics_port: int = 0
    shutdown_grace_seconds: int = 30
    wechat_mp_appid: str = ""
    wechat_mp_secret: str = ""
    wechat_api_url: str = "https://api.weixin.qq.com"
    mp_token_ttl_hours: int = 24 * 7
    telegram_token: str = ""
    telegram_secret: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_token: str = ""
    wechat_aes_key: str = ""
    wechat_template_id: str = ""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        if not self.is_sqlite:
            raise SettingsError("GRIDGOV_DATABASE_URL is not a SQLite URL")
        return Path(self.database_url.removeprefix("sqlite:///"))


#: name, default (None = derived), description — also the source of the README table.
SETTINGS_DOC: tuple[tuple[str, str, str], ...] = (
    ("GRIDGOV_ENV", "dev", "`dev` or `prod`; `prod` refuses to start without real secrets."),
    (
        "GRIDGOV_DATABASE_URL",
        "sqlite:///var/gridgov.sqlite3",
        "`sqlite:///relative/path` or `sqlite:////absolute/path` (embedded), or `postgresql://user:pass@host:port/db` (asyncpg).",
    ),
    (
        "GRIDGOV_MEDIA_URL",
        "file://var/media",
        "`file://DIR` (local folder) or `s3://KEY:SECRET@HOST:PORT/BUCKET?region=…&secure=0`.",
    ),
    (
        "GRIDGOV_BROKER_URL",
        "filesystem://var/broker",
        "Celery broker: `redis://host:6379/0` in production; the default needs no server.",
    ),
    ("GRIDGOV_SECRET_KEY", "(dev value)", "Signs tokens and URLs; ≥ 32 characters in prod."),
    (
        "GRIDGOV_PII_KEY",
        "(dev value)",
        "Encrypts phone/ID numbers at rest; ≥ 32 characters in prod.",
    ),
    ("GRIDGOV_VAR_DIR", "./var", "Where the embedded defaults keep their files."),
    ("GRIDGOV_TOKEN_TTL_HOURS", "12", "Lifetime of a staff bearer token."),
    ("GRIDGOV_LANGUAGE", "zh-CN", "Language of messages when a request does not ask for one."),
    (
        "GRIDGOV_TASK_QUEUE",
        "gridgov",
        "Celery queue name, to keep installations apart on one broker.",
    ),
    (
        "GRIDGOV_MEDIA_MAX_BYTES",
        "15728640",
        "Largest photo upload in bytes (15 MiB); larger is refused with 413.",
    ),
    (
        "GRIDGOV_MEDIA_MAX_PIXELS",
        "50000000",
        "Largest photo in pixels (width × height); more is refused before decoding (bomb guard).",
    ),
    ("GRIDGOV_MEDIA_MAX_PHOTOS", "9", "Photos one report (or other owner) may carry per purpose."),
    ("GRIDGOV_MEDIA_URL_TTL", "900", "Seconds a signed or presigned photo URL stays valid."),
    (
        "GRIDGOV_LOG_FORMAT",
        "(json in prod, text in dev)",
        "`json`: one JSON object per log line with `request_id`; `text` for reading in a terminal.",
    ),
    (
        "GRIDGOV_METRICS_TOKEN",
        "(none)",
        "When set, `/metrics` wants `Authorization: Bearer <token>`; otherwise keep it off the public proxy.",
    ),
    (
        "GRIDGOV_WORKER_METRICS_PORT",
        "0",
        "Port on which `gridgov worker` serves its task metrics to Prometheus (0 = none).",
    ),
    (
        "GRIDGOV_SHUTDOWN_GRACE",
        "30",
        "Seconds `gridgov serve` lets in-flight requests finish after SIGTERM before closing them.",
    ),
    (
        "PROMETHEUS_MULTIPROC_DIR",
        "(VAR_DIR/prometheus)",
        "Where the processes of one host pool their metrics; emptied when `serve` or `worker` starts.",
    ),
    (
        "GRIDGOV_WECHAT_MP_APPID",
        "(empty)",
        "The mini-program's AppID (sign-in answers 502 without it).",
    ),
    ("GRIDGOV_WECHAT_MP_SECRET", "(empty)", "The mini-program's AppSecret (`_FILE` accepted)."),
    (
        "GRIDGOV_WECHAT_API_URL",
        "https://api.weixin.qq.com",
        "WeChat API host for the mini-program and the Official Account (token, code2session, template messages); tests use a local fake.",
    ),
    ("GRIDGOV_MP_TOKEN_TTL_HOURS", "168", "Lifetime of a mini-program session token."),
    ("GRIDGOV_TELEGRAM_TOKEN", "(none)", "Telegram bot token; the bot runs only when it is set."),
    (
        "GRIDGOV_TELEGRAM_SECRET",
        "(none)",
        "Webhook secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token`; required with a token.",
    ),
    (
        "GRIDGOV_TELEGRAM_API_URL",
        "https://api.telegram.org",
        "Bot API server (a local one, or a test fake).",
    ),
    (
        "GRIDGOV_WECHAT_APP_ID",
        "(none)",
        "WeChat Official Account AppID; the account runs only when set.",
    ),
    (
        "GRIDGOV_WECHAT_APP_SECRET",
        "(none)",
        "WeChat AppSecret (access tokens for template messages).",
    ),
    ("GRIDGOV_WECHAT_TOKEN", "(none)", "WeChat server-configuration Token (signature check)."),
    (
        "GRIDGOV_WECHAT_AES_KEY",
        "(none)",
        "EncodingAESKey (43 characters): set for safe (encrypted) mode, empty for plain mode.",
    ),
    ("GRIDGOV_WECHAT_TEMPLATE_ID", "(none)", "Template message id used for case notifications."),
)


def _read(environ: Mapping[str, str], name: str) -> str | None:
    """A value from ``NAME`` or from the file named by ``NAME_FILE``."""
    value = environ.get(name)
    if value:
        return value
    path = environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingsError(f"{name}_FILE={path} cannot be read: {exc}") from exc
    return None


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = _read(environ, name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def _language(environ: Mapping[str, str]) -> str:
    value = _read(environ, "GRIDGOV_LANGUAGE") or "zh-CN"
    if value not in ("zh-CN", "en"):
        raise SettingsError(f"GRIDGOV_LANGUAGE must be zh-CN or en, got {value!r}")
    return value


def _log_format(environ: Mapping[str, str], env: str) -> Literal["json", "text"]:
    value = _read(environ, "GRIDGOV_LOG_FORMAT") or ("json" if env == "prod" else "text")
    if value not in ("json", "text"):
        raise SettingsError(f"GRIDGOV_LOG_FORMAT must be json or text, got {value!r}")
    return value  # type: ignore[return-value]


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (default: the process environment).

    In ``prod`` every missing or development secret is listed in one error, so an operator
    fixes them all at once instead of one restart per variable.
    """
    environ = os.environ if environ is None else environ
    env = (_read(environ, "GRIDGOV_ENV") or "dev").strip().lower()
    if env not in ("dev", "prod"):
        raise SettingsError(f"GRIDGOV_ENV must be 'dev' or 'prod', got {env!r}")
    var_dir = Path(_read(environ, "GRIDGOV_VAR_DIR") or "./var")
    database_url = _read(environ, "GRIDGOV_DATABASE_URL") or f"sqlite:///{var_dir}/gridgov.sqlite3"
    if not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise SettingsError(
            "GRIDGOV_DATABASE_URL must start with sqlite:/// or postgresql://, "
            f"got {database_url.split('://')[0]!r}"
        )
    media_url = _read(environ, "GRIDGOV_MEDIA_URL") or f"file://{var_dir}/media"
    broker_url = _read(environ, "GRIDGOV_BROKER_URL") or f"filesystem://{var_dir}/broker"
    secret_key = _read(environ, "GRIDGOV_SECRET_KEY")
    pii_key = _read(environ, "GRIDGOV_PII_KEY")

    if env == "prod":
        problems = []
        for name, value, dev_value in (
            ("GRIDGOV_SECRET_KEY", secret_key, DEV_SECRET_KEY),
            ("GRIDGOV_PII_KEY", pii_key, DEV_PII_KEY),
        ):
            if not value:
                problems.append(f"{name} is not set")
            elif value == dev_value or len(value) < MIN_SECRET_LENGTH:
                problems.append(
                    f"{name} must be a real secret of at least {MIN_SECRET_LENGTH} characters"
                )
        if _read(environ, "GRIDGOV_TELEGRAM_TOKEN") and not _read(
            environ, "GRIDGOV_TELEGRAM_SECRET"
        ):
            problems.append("GRIDGOV_TELEGRAM_SECRET is required with GRIDGOV_TELEGRAM_TOKEN")
        if problems:
            raise SettingsError("refusing to start in prod: " + "; ".join(problems))

    return Settings(
        env=env,  # type: ignore[arg-type]
        database_url=database_url,
        media_url=media_url,
        broker_url=broker_url,
        secret_key=secret_key or DEV_SECRET_KEY,
        pii_key=pii_key or DEV_PII_KEY,
        var_dir=var_dir,
        token_ttl_hours=_int(environ, "GRIDGOV_TOKEN_TTL_HOURS", 12),
        default_language=_language(environ),
        task_queue=_read(environ, "GRIDGOV_TASK_QUEUE") or "gridgov",
        media_max_bytes=_int(environ, "GRIDGOV_MEDIA_MAX_BYTES", 15 * 1024 * 1024),
        media_max_pixels=_int(environ, "GRIDGOV_MEDIA_MAX_PIXELS", 50_000_000),
        media_max_photos=_int(environ, "GRIDGOV_MEDIA_MAX_PHOTOS", 9),
        media_url_ttl_seconds=_int(environ, "GRIDGOV_MEDIA_URL_TTL", 900),
        log_format=_log_format(environ, env),
        metrics_token=_read(environ, "GRIDGOV_METRICS_TOKEN") or "",
        worker_metrics_port=_int(environ, "GRIDGOV_WORKER_METRICS_PORT", 0),
        shutdown_grace_seconds=_int(environ, "GRIDGOV_SHUTDOWN_GRACE", 30),
        wechat_mp_appid=_read(environ, "GRIDGOV_WECHAT_MP_APPID") or "",
        wechat_mp_secret=_read(environ, "GRIDGOV_WECHAT_MP_SECRET") or "",
        wechat_api_url=(
            _read(environ, "GRIDGOV_WECHAT_API_URL") or "https://api.weixin.qq.com"
        ).rstrip("/"),
        mp_token_ttl_hours=_int(environ, "GRIDGOV_MP_TOKEN_TTL_HOURS", 24 * 7),
        telegram_token=_read(environ, "GRIDGOV_TELEGRAM_TOKEN") or "",
        telegram_secret=_read(environ, "GRIDGOV_TELEGRAM_SECRET") or "",
        telegram_api_url=_read(environ, "GRIDGOV_TELEGRAM_API_URL") or "https://api.telegram.org",
        wechat_app_id=_read(environ, "GRIDGOV_WECHAT_APP_ID") or "",
        wechat_app_secret=_read(environ, "GRIDGOV_WECHAT_APP_SECRET") or "",
        wechat_token=_read(environ, "GRIDGOV_WECHAT_TOKEN") or "",
        wechat_aes_key=_read(environ, "GRIDGOV_WECHAT_AES_KEY") or "",
        wechat_template_id=_read(environ, "GRIDGOV_WECHAT_TEMPLATE_ID") or "",
    )
