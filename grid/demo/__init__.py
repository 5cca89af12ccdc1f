"""``gridgov demo``: a deterministic synthetic district to try every role on (dev only).

:func:`build_demo` loads it; :func:`grid.demo.plan.generate_plan` is the pure part (the same
seed always gives the same units, boundaries, people and accounts).
"""

from grid.demo.build import DemoSummary, build_demo
from grid.demo.staff import DEMO_PASSWORD, DemoLogin

__all__ = ["DEMO_PASSWORD", "DemoLogin", "DemoSummary", "build_demo"]
