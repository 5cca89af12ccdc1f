"""Cases (事件): the closed loop from a report to an evaluation, with the escalation ladder.

``states.py`` (the state machine), ``calendar.py`` (working time) and ``categories.py`` (seed
taxonomy) are pure; ``services/`` holds the use cases; ``tables.py`` only columns.
"""
