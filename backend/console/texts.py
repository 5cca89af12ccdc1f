"""The console's own words, Chinese first with English; domain words (states, actions,
levels, roles) come from the domain's tables so every door names things the same way."""

from __future__ import annotations

from backend.i18n import EN, ZH
from grid.cases.deadlines import LEVEL_ZH
from grid.cases.states import PARTY_ZH, Party

UI: dict[str, tuple[str, str]] = {
    "app": ("网格化治理 · 指挥工作台", "Grid governance · triage console"),
    "skip": ("跳到正文", "Skip to content"),
    "nav": ("主导航", "Main navigation"),
    "queue": ("工作队列", "Work queue"),
    "dashboard": ("考核看板", "KPI dashboard"),
    "admin": ("基础数据管理", "Reference data"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "logout": ("退出登录", "Sign out"),
    "login": ("登录", "Sign in"),
    "login_title": ("工作人员登录", "Staff sign-in"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "language": ("English", "中文"),
    "language_label": ("切换语言", "Switch language"),
    "q_escalated": ("上报至本级", "Escalated to us"),
    "q_new": ("新上报", "New"),
    "q_overdue": ("已超时", "Overdue"),
    "q_open": ("全部在办", "All open"),
    "queues": ("队列", "Queues"),
    "filters": ("筛选", "Filters"),
    "level": ("层级", "Level"),
    "responsible": ("责任单位", "Responsible unit"),
    "unit": ("单元", "Unit"),
    "category": ("类别", "Category"),
    "light": ("红黄绿灯", "Traffic light"),
    "channel": ("来源渠道", "Source channel"),
    "any": ("全部", "Any"),
    "apply": ("筛选", "Apply"),
    "reset": ("清除筛选", "Clear filters"),
    "number": ("编号", "Number"),
    "state": ("状态", "State"),
    "description": ("描述", "Description"),
    "deadline": ("处置时限", "Deadline"),
    "reported_at": ("上报时间", "Reported at"),
    "address": ("地址", "Address"),
    "empty": ("队列中没有案件", "No cases in this queue"),
    "total": ("共 {n} 件", "{n} cases"),
    "live": ("每 {s} 秒自动刷新", "Refreshes every {s} s"),
    "updated": ("队列已更新", "Queue updated"),
    "refresh_now": ("立即刷新", "Refresh now"),
    "no_queue": ("您的角色没有可用的工作队列", "Your role has no work queue"),
    "case": ("案件", "Case"),
    "back": ("返回队列", "Back to the queue"),
    "photos": ("照片", "Photos"),
    "no_photos": ("无照片", "No photos"),
    "photo_alt": ("案件照片 {n}（点击查看大图）", "Case photo {n} (open the full image)"),
    "map": ("位置", "Location"),
    "map_alt": ("网格 {name} 边界与案件位置", "Boundary of grid {name} and the case point"),
    "no_map": ("无边界或坐标，无法绘制地图", "No boundary or point to draw"),
    "timeline": ("处置过程", "Timeline"),
    "duplicates": ("疑似重复", "Possible duplicates"),
    "no_duplicates": ("未发现疑似重复案件", "No possible duplicates"),
    "distance": ("距离 {m} 米", "{m} m away"),
    "actions": ("操作", "Actions"),
    "no_actions": ("当前状态下您没有可执行的操作", "Nothing you may do in this state"),
    "reason": ("理由", "Reason"),
    "reason_optional": ("说明（可选）", "Note (optional)"),
    "target": ("派遣对象", "Dispatch to"),
    "departments": ("职能部门", "Departments"),
    "units": ("网格与社区", "Grids and communities"),
    "send_down_to": ("下派至", "Send down to"),
    "merge_into": ("合并到案件", "Merge into case"),
    "merge_into_id": ("或输入案件 ID", "or enter a case id"),
    "done": ("操作成功：{action}", "Done: {action}"),
    "error": ("操作未完成", "Not done"),
    "error_title": ("出错了", "Something went wrong"),
    "csrf": (
        "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试",
        "The form expired or did not come from this site (CSRF check failed); reload and retry",
    ),
    "home": ("返回工作台", "Back to the console"),
    "role": ("角色", "Role"),
    "severity": ("紧急程度", "Severity"),
    "claimed_by": ("认领人", "Claimed by"),
    "none": ("无", "none"),
    "red": ("红灯（已超时）", "Red (overdue)"),
    "yellow": ("黄灯（临期）", "Yellow (due soon)"),
    "green": ("绿灯", "Green"),
    "map_point": ("案件位置", "Case location"),
    "escalated_mark": ("上报", "escalated"),
}

CHANNEL_ZH: dict[str, tuple[str, str]] = {
    "miniprogram": ("小程序", "Mini-program"),
    "telegram": ("Telegram", "Telegram"),
    "wechat": ("微信公众号", "WeChat"),
    "console": ("工作台", "Console"),
    "api": ("API", "API"),
    "open311": ("Open311", "Open311"),
    "system": ("系统", "System"),
}

LEVEL_EN = {
    "city": "City",
    "district": "District",
    "street": "Street",
    "community": "Community",
    "grid": "Grid",
    "micro_grid": "Micro-grid",
}


def text(key: str, language: str = ZH, **values: object) -> str:
    zh, en = UI.get(key, (key, key))
    template = en if language == EN else zh
    return template.format(**values) if values else template


def level_name(level: str, language: str = ZH) -> str:
    if language == EN:
        return LEVEL_EN.get(level, level)
    return LEVEL_ZH.get(level, level)


def channel_name(channel: str, language: str = ZH) -> str:
    zh, en = CHANNEL_ZH.get(channel, (channel, channel))
    return en if language == EN else zh


def role_name(role: str) -> str:
    try:
        return PARTY_ZH[Party(role)]
    except ValueError:
        return role
