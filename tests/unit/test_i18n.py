"""Chinese first, English on request."""

from __future__ import annotations

import pytest

from backend.errors import ErrorCode
from backend.i18n import MESSAGES, pick_language, translate


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "zh-CN"),
        ("", "zh-CN"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("fr-FR,en;q=0.5", "en"),
        ("en;q=0.3,zh-TW;q=0.8", "zh-CN"),
        ("de", "zh-CN"),
        ("en;q=0", "zh-CN"),
    ],
)
def test_accept_language_picks_the_best_supported_language(header, language):
    assert pick_language(header) == language


def test_every_error_code_has_chinese_and_english_text():
    missing = [c for c in ErrorCode if c not in MESSAGES or set(MESSAGES[c]) != {"zh-CN", "en"}]
    assert missing == []


def test_missing_template_fields_do_not_break_a_message():
    assert translate(ErrorCode.NOT_FOUND, "en", {}) == "{kind} not found or not visible to you"
