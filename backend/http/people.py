"""Residents, households, house units and owners over HTTP (being written)."""

PEOPLE_CONTROLLERS: list[type] = []
