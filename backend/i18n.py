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
    ErrorCode.VALUE_OUT_OF_RANGE: {
        ZH: "输入的数值超出允许范围（编号最大为 64 位整数）",
        EN: "A value is out of the accepted range (ids are 64-bit integers)",
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
    ErrorCode.DATABASE_UNAVAILABLE: {
        ZH: "数据库暂时无法访问，请稍后重试",
        EN: "The database cannot be reached right now; please try again shortly",
    },
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
    ErrorCode.UNIT_IN_USE: {
        ZH: "该单元仍有关联记录（{what}），无法删除",
        EN: "This unit is still referenced by {what} and cannot be deleted",
    },
    ErrorCode.CENTER_EXISTS: {
        ZH: "该单元已设有治理中心",
        EN: "This unit already has a governance center",
    },
    ErrorCode.DEPARTMENT_CODE_TAKEN: {
        ZH: "部门编码 {code} 已存在",
        EN: "Department code {code} already exists",
    },
    ErrorCode.PHONE_INVALID: {ZH: "手机号码格式不正确", EN: "Invalid mobile phone number"},
    ErrorCode.ID_NUMBER_INVALID: {ZH: "身份证号码格式不正确", EN: "Invalid ID card number"},
    ErrorCode.AREA_INVALID: {
        ZH: "专有部分面积无效：{value}（须大于 0、不超过 100000 平方米且至多两位小数；未知请留空）",
        EN: "Invalid exclusive area {value}: give m² above 0, at most 100000, with at most "
        "2 decimals (leave it empty when unknown)",
    },
    ErrorCode.HOUSE_UNIT_NOT_EMPTY: {
        ZH: "该房屋下仍有住户，不能删除",
        EN: "This house unit still has households",
    },
    ErrorCode.HOUSEHOLD_NOT_EMPTY: {
        ZH: "该户仍有居民，不能删除",
        EN: "This household still has residents",
    },
    ErrorCode.CREDIT_CODE_INVALID: {
        ZH: "统一社会信用代码格式不正确",
        EN: "Invalid unified social credit code",
    },
    ErrorCode.RESIDENT_DUPLICATE: {
        ZH: "已登记相同身份证号的居民（如在您的辖区外，请联系其所在社区迁出）",
        EN: "A resident with this ID number is already registered (if outside your area, ask "
        "their community to move them)",
    },
    ErrorCode.ERASURE_UNCONFIRMED: {
        ZH: "删除个人信息后不可恢复，请确认后再提交（confirm=true）",
        EN: "Erasing personal data cannot be undone; send confirm=true to go ahead",
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
    ErrorCode.CASE_ACTION_INVALID: {
        ZH: "案件当前为「{state_zh}」状态，不能「{action_zh}」；可执行：{allowed}",
        EN: "Action {action} is not possible on a case in state {state}; possible: {allowed}",
    },
    ErrorCode.CASE_ACTION_FORBIDDEN: {
        ZH: "您无权对该案件执行「{action_zh}」：{reason}",
        EN: "You may not {action} this case: {reason_en}",
    },
    ErrorCode.CASE_NOT_ASSIGNEE: {
        ZH: "该案件未派遣给您或您的单位（当前承办：{assignee}）",
        EN: "This case is not dispatched to you or your unit (assignee: {assignee})",
    },
    ErrorCode.CASE_VERIFIER_IS_HANDLER: {
        ZH: "核查人不能是处置人本人",
        EN: "The verifier must be someone other than the handler",
    },
    ErrorCode.CASE_LEVEL_INVALID: {
        ZH: "层级调整无效：{reason}",
        EN: "Invalid change of level: {reason}",
    },
    ErrorCode.CASE_CHANGED: {
        ZH: "案件刚被他人更新，请刷新后重试",
        EN: "The case was just changed by someone else; reload and try again",
    },
    ErrorCode.CATEGORY_CODE_TAKEN: {
        ZH: "事件类别编码 {code} 已存在",
        EN: "Category code {code} already exists",
    },
    ErrorCode.CATEGORY_INACTIVE: {
        ZH: "事件类别「{name}」不可用于上报（{reason}）",
        EN: "Category {name} cannot be used for a report ({reason})",
    },
    ErrorCode.CASE_LOCATION_MISSING: {
        ZH: "请提供事发位置：定位坐标、房屋或所属单元加地址",
        EN: "Give the location: a point, a house unit, or a unit with an address",
    },
    ErrorCode.CASE_ALREADY_CLAIMED: {
        ZH: "该案件已被 {name} 认领",
        EN: "This case is already claimed by {name}",
    },
    ErrorCode.CASE_MERGE_INVALID: {
        ZH: "无法合并：{reason}",
        EN: "Cannot merge: {reason}",
    },
    ErrorCode.CASE_RATING_INVALID: {
        ZH: "评价须为 1 到 5 分",
        EN: "A rating is a whole number from 1 to 5",
    },
    ErrorCode.MEDIA_EMPTY: {ZH: "上传的文件是空的", EN: "The uploaded file is empty"},
    ErrorCode.MEDIA_TOO_LARGE: {
        ZH: "照片过大，最大 {max_mb} MB",
        EN: "The photo is too large; the limit is {max_mb} MB",
    },
    ErrorCode.MEDIA_TOO_MANY_PIXELS: {
        ZH: "照片分辨率过高（{pixels} 像素），最多 {max_pixels} 像素",
        EN: "The photo has too many pixels ({pixels}); the limit is {max_pixels}",
    },
    ErrorCode.MEDIA_UNSUPPORTED: {
        ZH: "不支持该文件格式，请上传 JPEG、PNG、WebP 或 HEIC 照片",
        EN: "Unsupported file type; upload a JPEG, PNG, WebP or HEIC photo",
    },
    ErrorCode.MEDIA_CORRUPT: {
        ZH: "照片已损坏或不完整，请重新拍摄或上传（{reason}）",
        EN: "The photo is damaged or incomplete; take or upload it again ({reason})",
    },
    ErrorCode.MEDIA_TOO_MANY_PHOTOS: {
        ZH: "照片数量已达上限（每项最多 {max} 张）",
        EN: "Too many photos (at most {max} each)",
    },
    ErrorCode.MEDIA_STORAGE_FULL: {
        ZH: "照片存储空间已满，暂时无法上传，请联系管理员",
        EN: "Photo storage is full; uploads fail until an administrator frees space",
    },
    ErrorCode.MEDIA_STORAGE_UNAVAILABLE: {
        ZH: "照片存储暂不可用，请稍后重试",
        EN: "Photo storage is unavailable right now; please try again later",
    },
    ErrorCode.MEDIA_LINK_INVALID: {
        ZH: "照片链接无效或已过期（{reason}），请刷新后重试",
        EN: "This photo link is invalid or has expired ({reason}); reload and try again",
    },
    ErrorCode.MATTER_PHASE_INVALID: {
        ZH: "议题处于“{phase}”阶段，不能执行“{action}”",
        EN: "The matter is in phase {phase}; {action} is not possible now",
    },
    ErrorCode.MATTER_WINDOW_INVALID: {
        ZH: "时间设置有误：{reason}",
        EN: "Invalid time window: {reason}",
    },
    ErrorCode.ROLL_INCOMPLETE: {
        ZH: "有 {count} 套房屋缺少业主或专有面积（如 {examples}），补全后才能开始表决",
        EN: "{count} house units lack owners or exclusive area (e.g. {examples}); "
        "complete them before voting opens",
    },
    ErrorCode.VOTING_NOT_OPEN: {
        ZH: "不在投票时间内（{opens_at} 至 {closes_at}）",
        EN: "Voting is not open ({opens_at} to {closes_at})",
    },
    ErrorCode.VOTER_NOT_ELIGIBLE: {
        ZH: "您不在本议题的表决名册中（{reason}）",
        EN: "You are not on this matter's roll ({reason})",
    },
    ErrorCode.VOTER_AMBIGUOUS: {
        ZH: "您在名册中有多个表决身份，请选择其中一个：{entries}",
        EN: "You hold several places on the roll; choose one of: {entries}",
    },
    ErrorCode.BALLOT_ALREADY_CAST: {
        ZH: "该表决权已投票，本议题不允许改票",
        EN: "This vote has already been cast and this matter does not allow changes",
    },
    ErrorCode.BALLOT_INVALID: {
        ZH: "选票无效：{reason}",
        EN: "Invalid ballot: {reason}",
    },
    ErrorCode.RECEIPT_UNKNOWN: {
        ZH: "未找到回执 {receipt}，请核对后重试",
        EN: "Receipt {receipt} was not found; check it and try again",
    },
    ErrorCode.DISCUSSION_CLOSED: {
        ZH: "议题当前不接受评论或建议",
        EN: "This matter does not take comments or suggestions now",
    },
    ErrorCode.MP_WX_CODE_INVALID: {
        ZH: "微信登录凭证无效或已过期，请重新登录",
        EN: "The WeChat login code is invalid or expired; sign in again",
    },
    ErrorCode.MP_WECHAT_UNAVAILABLE: {
        ZH: "微信服务暂时不可用，请稍后重试（{reason}）",
        EN: "WeChat is not answering; try again later ({reason})",
    },
    ErrorCode.MP_NOT_BOUND: {
        ZH: "请先绑定{what}后再使用此功能",
        EN: "Bind your {what} first to use this",
    },
    ErrorCode.MP_ALREADY_BOUND: {
        ZH: "该微信已绑定{what}",
        EN: "This WeChat account is already bound to a {what}",
    },
    ErrorCode.MP_BINDING_CODE_INVALID: {
        ZH: "绑定码无效、已使用或已过期",
        EN: "The binding code is invalid, used or expired",
    },
    ErrorCode.MP_BINDING_NAME_MISMATCH: {
        ZH: "该户中没有名为“{name}”的居民，请核对姓名或联系社区",
        EN: "No resident named {name} lives in this household; check the name or ask the community",
    },
    ErrorCode.MP_REQUEST_DECIDED: {
        ZH: "该绑定申请已处理（{status}）",
        EN: "This binding request was already decided ({status})",
    },
    ErrorCode.BOT_LINK_CODE_INVALID: {
        ZH: "绑定码无效或已过期，请在系统中重新获取",
        EN: "The link code is invalid or expired; get a new one in the system",
    },
    ErrorCode.BOT_NOT_LINKED: {
        ZH: "尚未绑定账号：请先获取绑定码，在 Telegram 发送 /link 绑定码，或在公众号发送 绑定 绑定码",
        EN: "Not linked yet: get a link code, then send /link CODE (Telegram) or 绑定 CODE (WeChat)",
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
