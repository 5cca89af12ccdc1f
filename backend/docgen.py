"""Regenerate the tables in README.md and docs/ that mirror code (``python -m backend.docgen``).

Tests compare the committed files with what this produces, so docs cannot drift from code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def settings_table() -> str:
    from backend.config import SETTINGS_DOC

    lines = ["| variable | default | meaning |", "|---|---|---|"]
    lines += [f"| `{name}` | `{default}` | {meaning} |" for name, default, meaning in SETTINGS_DOC]
    return "\n".join(lines)


def permissions_table() -> str:
    from grid.permissions import PERMISSIONS
    from grid.tables import Role

    lines = ["| action | " + " | ".join(r.value for r in Role) + " |", "|---|" + "---|" * len(Role)]
    for action, allowed in PERMISSIONS.items():
        cells = " | ".join("✓" if r in allowed else "" for r in Role)
        lines.append(f"| `{action.value}` | {cells} |")
    return "\n".join(lines)


def openapi_json() -> str:
    from backend.app import create_app
    from backend.config import load_settings

    schema = create_app(load_settings({})).openapi_schema.to_schema()
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _replace(path: Path, marker: str, content: str) -> bool:
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"(<!-- {marker}:start -->\n).*?(\n<!-- {marker}:end -->)", re.S)
    new = pattern.sub(lambda m: m.group(1) + content + m.group(2), text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main() -> None:
    changed = [
        _replace(ROOT / "README.md", "settings-table", settings_table()),
        _replace(ROOT / "docs" / "access.md", "permissions-table", permissions_table()),
    ]
    openapi = ROOT / "docs" / "openapi.json"
    fresh = openapi_json()
    if not openapi.exists() or openapi.read_text(encoding="utf-8") != fresh:
        openapi.write_text(fresh, encoding="utf-8")
        changed.append(True)
    print("docs updated" if any(changed) else "docs already current")


if __name__ == "__main__":
    main()
