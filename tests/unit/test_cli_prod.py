"""Every ``gridgov`` command that starts the service or touches data refuses prod without secrets."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from backend.cli import main

NO_SECRETS = {
    "GRIDGOV_ENV": "prod",
    "GRIDGOV_SECRET_KEY": None,
    "GRIDGOV_SECRET_KEY_FILE": None,
    "GRIDGOV_PII_KEY": None,
    "GRIDGOV_PII_KEY_FILE": None,
}


@pytest.mark.parametrize(
    "args",
    [
        ["serve"],
        ["serve", "--demo"],
        ["db", "migrate"],
        ["import-units", "{file}"],
        ["import-residents", "{file}"],
        ["worker"],
    ],
    ids=" ".join,
)
def test_prod_command_without_secrets_exits_naming_each_missing_secret(args, tmp_path):
    file = tmp_path / "data.txt"
    file.write_text("")
    result = CliRunner().invoke(main, [a.format(file=file) for a in args], env=NO_SECRETS)
    assert result.exit_code == 1, result.output
    assert "refusing to start in prod" in result.output
    assert "GRIDGOV_SECRET_KEY is not set" in result.output
    assert "GRIDGOV_PII_KEY is not set" in result.output
    assert "Traceback" not in result.output


def test_prod_serve_with_a_development_secret_names_only_that_one(tmp_path):
    env = {**NO_SECRETS, "GRIDGOV_SECRET_KEY": "dev-secret-key-not-for-production"}
    env["GRIDGOV_PII_KEY"] = "p" * 40
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 1
    assert "GRIDGOV_SECRET_KEY must be a real secret" in result.output
    assert "GRIDGOV_PII_KEY" not in result.output
