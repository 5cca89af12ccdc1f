"""ASGI entry point for production servers: ``uvicorn backend.asgi:app``."""

from backend.app import create_app

app = create_app(serving=True)
