"""Headless Chromium for the console's browser tests: Debian's ``/usr/bin/chromium`` driven by
Playwright (never Playwright's own browser downloads), and axe-core from ``npm ci`` injected
into each page for the accessibility smoke check.

Both are installed by ``scripts/setup-browser`` (run by ``scripts/setup`` and ``.ci/run``);
without them the browser tests skip with the reason locally and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("GRIDGOV_CHROMIUM", "/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "tests" / "artifacts"
#: 1366×768 is the smallest screen the console promises to work on.
VIEWPORT = {"width": 1366, "height": 768}

#: Rules the console must pass whatever their impact: form labels, contrast, keyboard focus.
REQUIRED_RULES = frozenset(
    {
        "label",
        "select-name",
        "button-name",
        "link-name",
        "input-button-name",
        "color-contrast",
        "focus-order-semantics",
        "scrollable-region-focusable",
        "tabindex",
        "nested-interactive",
        "frame-focusable-content",
        "accesskeys",
        "skip-link",
        "bypass",
        "svg-img-alt",
        "image-alt",
        "html-has-lang",
        "document-title",
    }
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def missing_tools() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (scripts/setup-browser installs it)"
    if not AXE.exists():
        return f"axe-core not found at {AXE} (run npm ci, or scripts/setup-browser)"
    return None


def launch_args() -> dict[str, Any]:
    # --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
    return {"executable_path": CHROMIUM, "headless": True, "args": ["--no-sandbox"]}


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The violations that fail a page: a required rule, or anything serious or critical."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        v
        for v in result["violations"]
        if v["id"] in REQUIRED_RULES or v.get("impact") in ("serious", "critical")
    ]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(n["target"]) for n in v["nodes"][:5]]
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']} — {targets}")
    return "\n".join(lines)
