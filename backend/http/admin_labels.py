"""What the admin site calls each table and column, in Chinese and English.

piccolo-admin labels a column with the title of its pydantic JSON schema, which Piccolo
derives from the attribute name (``duplicate_radius_m`` → "Duplicate Radius M"); Piccolo has
no column option for a display name (``help_text`` — shown as the "?" tooltip, set on the
domain's tables — is the only text it carries, and it changes no migration). So the gate
rewrites the titles of piccolo-admin's ``/api/tables/<table>/schema/`` answers with these
labels, in the language of the console's 中文/English switch (Chinese unless switched).
Table names stay identifiers (they are in piccolo-admin's URLs); each table's description
goes into the schema's help text beside the page title.
"""

from __future__ import annotations

import json
import re
from typing import Any

from backend.i18n import EN

Label = tuple[str, str]  # (zh-CN, en)

TABLES: dict[str, Label] = {
    "case_category": (
        "案件类别：大类（两位编码）及其小类（四位编码），各级办理时限与查重规则",
        "Case categories: majors (two-digit code) and their minors (four digits), deadlines "
        "per level and duplicate rules",
    ),
    "holiday": (
        "工作日历：法定节假日与调休上班日，计算办理时限时使用",
        "Working calendar: public holidays and make-up workdays, used for deadlines",
    ),
    "department": (
        "职能部门：可接受派遣的市、区、街道部门",
        "Departments that cases can be dispatched to (city, district, street)",
    ),
    "org_unit": ("组织单元（只读，在 /api/v1/units 维护）", "Org units (read-only)"),
}

COLUMNS: dict[str, dict[str, Label]] = {
    "case_category": {
        "id": ("编号", "ID"),
        "code": ("编码", "Code"),
        "parent": ("所属大类", "Major category"),
        "name": ("名称", "Name"),
        "name_en": ("英文名称", "English name"),
        "kind": ("类型（事件/部件）", "Kind (event/component)"),
        "first_level": ("首办层级", "First level"),
        "time_unit": ("时限单位", "Time unit"),
        "limits": ("各级办理时限", "Limits per level"),
        "duplicate_radius_m": ("查重半径（米）", "Duplicate radius (m)"),
        "duplicate_window_h": ("查重时间窗（小时）", "Duplicate window (h)"),
        "owner_department_kind": ("权属部门类型", "Owner department kind"),
        "active": ("启用", "Active"),
        "updated_at": ("更新时间", "Updated at"),
    },
    "holiday": {
        "id": ("编号", "ID"),
        "day": ("日期", "Day"),
        "is_workday": ("调休上班", "Make-up workday"),
        "name": ("名称", "Name"),
    },
    "department": {
        "id": ("编号", "ID"),
        "code": ("编码", "Code"),
        "name": ("名称", "Name"),
        "kind": ("部门类型", "Kind"),
        "unit": ("所属单位", "Unit"),
        "unit_prefix": ("单位区划前缀", "Unit prefix"),
    },
    "org_unit": {
        "id": ("编号", "ID"),
        "code": ("区划编码", "Code"),
        "prefix": ("前缀", "Prefix"),
        "name": ("名称", "Name"),
        "level": ("层级", "Level"),
        "parent": ("上级单位", "Parent"),
        "boundary": ("边界", "Boundary"),
        "centroid_lon": ("中心经度", "Centroid longitude"),
        "centroid_lat": ("中心纬度", "Centroid latitude"),
        "created_at": ("创建时间", "Created at"),
        "updated_at": ("更新时间", "Updated at"),
    },
}

#: piccolo-admin's schema endpoint, relative to the admin app.
SCHEMA_PATH = re.compile(r"^/api/tables/([a-z_]+)/schema/$")


def schema_table(method: str, path: str) -> str | None:
    """The table whose schema this request asks for, when we label it."""
    found = SCHEMA_PATH.match(path) if method == "GET" else None
    return found.group(1) if found and found.group(1) in COLUMNS else None


def labelled_schema(body: bytes, table: str, language: str) -> bytes:
    """piccolo-admin's JSON schema with our titles and table description."""
    pick = 1 if language == EN else 0
    schema: dict[str, Any] = json.loads(body)
    labels = COLUMNS[table]
    for name, prop in (schema.get("properties") or {}).items():
        if name in labels and isinstance(prop, dict):
            prop["title"] = labels[name][pick]
    extra = schema.setdefault("extra", {})
    if isinstance(extra, dict) and table in TABLES:
        extra["help_text"] = TABLES[table][pick]
    return json.dumps(schema, ensure_ascii=False).encode()
