"""Org units, centers and departments over HTTP (being written)."""

UNIT_CONTROLLERS: list[type] = []
