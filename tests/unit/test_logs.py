"""Log lines are JSON objects a log shipper can parse, each with the request id."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from backend import logs
from backend.config import load_settings


def _capture(log_format: str) -> tuple[logging.Logger, io.StringIO]:
    settings = load_settings({"GRIDGOV_LOG_FORMAT": log_format})
    config = logs.logging_config(settings)
    formatter = logging.config.DictConfigurator(config).configure_custom(
        dict(config["formatters"]["default"])
    )
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    handler.addFilter(logs.RequestIdFilter())
    logger = logging.getLogger(f"gridgov.test.{log_format}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, out


def test_json_log_line_has_time_level_logger_message_and_request_id():
    logger, out = _capture("json")
    token = logs.request_id.set("req-123")
    try:
        logger.info("案件已上报 %s", "C-1", extra={"case_id": 7})
    finally:
        logs.request_id.reset(token)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["level"] == "INFO"
    assert record["logger"] == "gridgov.test.json"
    assert record["message"] == "案件已上报 C-1"
    assert record["request_id"] == "req-123"
    assert record["case_id"] == 7
    assert record["time"]


def test_json_log_of_an_exception_stays_one_line():
    logger, out = _capture("json")
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        logger.exception("failed")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["request_id"] == "-"
    assert "ValueError: boom" in record["exc_info"]


def test_text_logs_show_the_request_id_for_people():
    logger, out = _capture("text")
    token = logs.request_id.set("abc")
    try:
        logger.warning("hello")
    finally:
        logs.request_id.reset(token)
    assert "[abc] hello" in out.getvalue()


def test_log_format_defaults_to_json_in_prod_only():
    prod = {"GRIDGOV_ENV": "prod", "GRIDGOV_SECRET_KEY": "s" * 40, "GRIDGOV_PII_KEY": "p" * 40}
    assert load_settings(prod).log_format == "json"
    assert load_settings({}).log_format == "text"
    with pytest.raises(Exception, match="GRIDGOV_LOG_FORMAT"):
        load_settings({"GRIDGOV_LOG_FORMAT": "xml"})
