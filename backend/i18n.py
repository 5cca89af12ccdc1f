"""Chinese-first texts for error codes and other user-facing strings, with English.

Templates use ``str.format`` fields filled from the error's data; a missing field never
breaks a message (it is left as ``{name}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.errors import ErrorCode

ZH = "zh-CN"
EN = "en"
LANGUAGES = (ZH, EN)

MESSAGES: dict[str, dict[str, str]] = {
    ErrorCode.VALIDATION: {
        ZH: "输入有误：{field}（{reason}）",
        EN: "Invalid input: {field} ({reason})",
    },
    ErrorCode.NOT_FOUND: {
        ZH: "未找到该{kind}或无权查看",
        EN: "{kind} not found or not visible to you",
    },
    ErrorCode.FORBIDDEN: {
        ZH: "您的角色无权执行此操作：{action}",
        EN: "Your role may not do this: {action}",
    },
    ErrorCode.CONFLICT: {ZH: "操作冲突：{reason}", EN: "Conflict: {reason}"},
    ErrorCode.UNAUTHENTICATED: {ZH: "请先登录", EN: "Please sign in first"},
    ErrorCode.RATE_LIMITED: {
        ZH: "尝试次数过多，请 {retry_after} 秒后再试",
        EN: "Too many attempts; try again in {retry_after} seconds",
    },
    ErrorCode.PAYLOAD_TOO_LARGE: {ZH: "提交的内容过大", EN: "Request body too large"},
    ErrorCode.INTERNAL: {
        ZH: "系统内部错误，请稍后再试",
        EN: "Internal error, please try again later",
    },
    ErrorCode.UNAVAILABLE: {ZH: "服务暂不可用：{reason}", EN: "Service unavailable: {reason}"},
    ErrorCode.BAD_CREDENTIALS: {ZH: "用户名或密码错误", EN: "Wrong username or password"},
    ErrorCode.ACCOUNT_DISABLED: {ZH: "账号已停用", EN: "This account is disabled"},
    ErrorCode.TOKEN_INVALID: {
        ZH: "登录已失效，请重新登录",
        EN: "Your session has expired; sign in again",
    },
    ErrorCode.PASSWORD_TOO_WEAK: {
        ZH: "密码至少 {min_length} 位，且须包含字母和数字",
        EN: "Passwords need at least {min_length} characters with letters and digits",
    },
    ErrorCode.UNIT_CODE_INVALID: {ZH: "单元编码无效：{reason}", EN: "Invalid unit code: {reason}"},
    ErrorCode.UNIT_PARENT_INVALID: {
        ZH: "上级单元无效：{reason}",
        EN: "Invalid parent unit: {reason}",
    },
    ErrorCode.UNIT_CODE_TAKEN: {
        ZH: "单元编码 {code} 已存在",
        EN: "Unit code {code} already exists",
    },
    ErrorCode.UNIT_HAS_CHILDREN: {
        ZH: "该单元下仍有下级单元",
        EN: "This unit still has child units",
    },
    ErrorCode.BOUNDARY_INVALID: {ZH: "边界无效：{reason}", EN: "Invalid boundary: {reason}"},
    ErrorCode.POINT_OUTSIDE_AREA: {
        ZH: "该位置不在本系统管辖的网格内",
        EN: "This location is not inside any grid we serve",
    },
    ErrorCode.COORDINATES_INVALID: {ZH: "坐标无效：{reason}", EN: "Invalid coordinates: {reason}"},
    ErrorCode.PHONE_INVALID: {ZH: "手机号码格式不正确", EN: "Invalid mobile phone number"},
    ErrorCode.ID_NUMBER_INVALID: {ZH: "身份证号码格式不正确", EN: "Invalid ID card number"},
    ErrorCode.AREA_INVALID: {
        ZH: "专有部分面积无效：{reason}",
        EN: "Invalid exclusive area: {reason}",
    },
    ErrorCode.HOUSE_UNIT_TAKEN: {
        ZH: "该微网格内已有相同的楼栋/单元/房号",
        EN: "This building/unit/room already exists in the micro-grid",
    },
    ErrorCode.USERNAME_TAKEN: {
        ZH: "用户名 {username} 已被使用",
        EN: "Username {username} is taken",
    },
    ErrorCode.ROLE_SCOPE_INVALID: {
        ZH: "角色与所属单元不匹配：{reason}",
        EN: "Role does not fit the unit: {reason}",
    },
    ErrorCode.PARTY_PARENT_INVALID: {
        ZH: "上级党组织无效：{reason}",
        EN: "Invalid parent party organization: {reason}",
    },
}


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def pick_language(accept_language: str | None, default: str = ZH) -> str:
    """The best of our languages for an ``Accept-Language`` header (q-values respected)."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    for negative_quality, _, tag in sorted(ranked):
        if negative_quality >= 0:
            continue
        if tag.startswith("zh"):
            return ZH
        if tag.startswith("en"):
            return EN
        if tag == "*":
            return default
    return default


def translate(code: str, language: str, data: Mapping[str, Any] | None = None) -> str:
    templates = MESSAGES.get(code)
    if templates is None:
        return code
    template = templates.get(language) or templates[ZH]
    return template.format_map(_Defaulting(data or {}))
