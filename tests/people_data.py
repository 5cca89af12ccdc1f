"""Synthetic people data for tests: valid, never-repeating ID numbers and phones, fresh buildings.

The test database lives for the whole session, so every test makes its own building and
people instead of relying on a clean table.
"""

from __future__ import annotations

import itertools
import random

from backend.pii import id_check_digit

_serial = itertools.count(random.SystemRandom().randrange(10_000, 90_000) * 1000)


def id_number(birth: str = "198001", *, male: bool = True, area: str = "500103") -> str:
    """A valid 18-digit ID number (check digit right) that no other call returns."""
    n = next(_serial)
    sequence = (n % 500) * 2 + (1 if male else 0)
    # the serial also picks the birth day, so 14 000 numbers per birth month stay unique
    day = (n // 500) % 28 + 1
    first17 = f"{area}{birth}{day:02d}{sequence:03d}"
    return first17 + id_check_digit(first17)


def phone() -> str:
    return f"139{next(_serial) % 100_000_000:08d}"


def building() -> str:
    """A building name no other test uses (house units are unique per micro-grid)."""
    return f"B{next(_serial)}"
