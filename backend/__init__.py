"""gridgov's assembly: settings, database, auth, HTTP app, CLI and Celery app."""

import os

# Piccolo finds its configuration through this variable; setting a default here means every
# entry point (CLI, app, tests, workers) agrees on it without each one remembering to.
os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
