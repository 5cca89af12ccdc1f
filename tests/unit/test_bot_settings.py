"""Bot settings: a Telegram token without a webhook secret does not start in prod."""

from __future__ import annotations

import pytest

from backend.config import SettingsError, load_settings

PROD = {
    "GRIDGOV_ENV": "prod",
    "GRIDGOV_SECRET_KEY": "s" * 40,
    "GRIDGOV_PII_KEY": "p" * 40,
}


def test_prod_refuses_a_telegram_token_without_a_webhook_secret() -> None:
    with pytest.raises(SettingsError, match="GRIDGOV_TELEGRAM_SECRET"):
        load_settings({**PROD, "GRIDGOV_TELEGRAM_TOKEN": "1:abc"})


def test_bot_settings_are_read_from_the_environment() -> None:
    settings = load_settings(
        {
            **PROD,
            "GRIDGOV_TELEGRAM_TOKEN": "1:abc",
            "GRIDGOV_TELEGRAM_SECRET": "hook-secret",
            "GRIDGOV_TELEGRAM_API_URL": "http://127.0.0.1:8081",
            "GRIDGOV_WECHAT_APP_ID": "wx1",
            "GRIDGOV_WECHAT_AES_KEY": "k" * 43,
        }
    )
    assert (settings.telegram_token, settings.telegram_secret) == ("1:abc", "hook-secret")
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.wechat_app_id == "wx1" and len(settings.wechat_aes_key) == 43
    assert settings.wechat_api_url == "https://api.weixin.qq.com"
