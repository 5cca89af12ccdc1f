"""Settings: read by a function, prod refuses to start without real secrets."""

from __future__ import annotations

import pytest

from backend.config import SettingsError, load_settings

REAL = "x" * 40


def test_dev_defaults_use_an_embedded_sqlite_file_under_var():
    settings = load_settings({})
    assert settings.env == "dev"
    assert settings.database_url == "sqlite:///var/gridgov.sqlite3"
    assert settings.media_url == "file://var/media"
    assert settings.broker_url.startswith("filesystem://")


def test_prod_start_is_refused_without_secrets_and_names_each_missing_one():
    with pytest.raises(SettingsError) as err:
        load_settings({"GRIDGOV_ENV": "prod"})
    assert "GRIDGOV_SECRET_KEY is not set" in str(err.value)
    assert "GRIDGOV_PII_KEY is not set" in str(err.value)


def test_prod_start_is_refused_with_short_or_development_secrets():
    with pytest.raises(SettingsError) as err:
        load_settings(
            {"GRIDGOV_ENV": "prod", "GRIDGOV_SECRET_KEY": "short", "GRIDGOV_PII_KEY": REAL}
        )
    assert "GRIDGOV_SECRET_KEY must be a real secret" in str(err.value)
    assert "GRIDGOV_PII_KEY" not in str(err.value)


def test_prod_starts_with_real_secrets_from_files(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(REAL + "\n")
    settings = load_settings(
        {"GRIDGOV_ENV": "prod", "GRIDGOV_SECRET_KEY_FILE": str(secret), "GRIDGOV_PII_KEY": REAL}
    )
    assert settings.secret_key == REAL


def test_postgres_url_switches_the_engine():
    settings = load_settings({"GRIDGOV_DATABASE_URL": "postgresql://u@127.0.0.1:5432/gg"})
    assert not settings.is_sqlite


def test_unknown_database_scheme_is_refused_with_the_scheme_named():
    with pytest.raises(SettingsError, match="mysql"):
        load_settings({"GRIDGOV_DATABASE_URL": "mysql://root@localhost/gg"})


def test_settings_are_frozen():
    settings = load_settings({})
    with pytest.raises(AttributeError):
        settings.env = "prod"  # type: ignore[misc]


def test_prod_refusal_happens_at_app_creation_not_import():
    from backend.app import create_app

    with pytest.raises(SettingsError):
        create_app(load_settings({"GRIDGOV_ENV": "prod"}))
