"""Piccolo's configuration module (``PICCOLO_CONF=backend.piccolo_conf``).

``DB`` is resolved lazily through :func:`backend.db.get_engine`: importing this module never
connects to a database, and tests or the CLI may choose the engine first with ``use_engine``.
"""

from typing import Any

from piccolo.conf.apps import AppRegistry

from backend.db import APPS

APP_REGISTRY = AppRegistry(apps=list(APPS))


def __getattr__(name: str) -> Any:
    if name == "DB":
        from backend.db import get_engine

        return get_engine()
    raise AttributeError(name)
