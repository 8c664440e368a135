"""The residents' portal's numbers as data (core.params): the sign-in codes (RULES.md
"Resident portal"; the per-address limits and the lockout are local practice, ADR 0016)
and the demands' periods (local practice)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.params import Parameter

LOCAL = _("本地实践")

REOPEN_DAYS = "portal.reopen_days"
PUBLIC_ANSWER_DAYS = "portal.public_answer_days"
PLACE_ROWS = "portal.place_rows"

PARAMETERS = [
    Parameter(REOPEN_DAYS, 7, _("答复后可申请重办的天数（居民端）"), LOCAL, 1, 60),
    Parameter(
        PUBLIC_ANSWER_DAYS, 365, _("同一地点公开的已答复诉求追溯天数（居民端）"), LOCAL, 7, 1095
    ),
    Parameter(PLACE_ROWS, 10, _("同一地点诉求每次显示条数（居民端）"), LOCAL, 3, 50),
]

RULES = _("RULES.md 居民端（短信服务商通行做法）")
SIGN_IN = _("本地实践（ADR 0016）")

PARAMETERS += [
    Parameter("portal.code.valid_minutes", 5, _("验证码有效期（分钟）"), RULES, 1, 30),
    Parameter("portal.code.per_minute", 1, _("每个手机号每分钟验证码上限"), RULES, 1, 10),
    Parameter("portal.code.per_hour", 5, _("每个手机号每小时验证码上限"), RULES, 1, 50),
    Parameter("portal.code.per_day", 10, _("每个手机号每天验证码上限"), RULES, 1, 100),
    Parameter("portal.code.ip_per_minute", 20, _("每个网络地址每分钟验证码上限"), SIGN_IN, 1, 1000),
    Parameter("portal.code.ip_per_hour", 200, _("每个网络地址每小时验证码上限"), SIGN_IN, 1, 10000),
    Parameter("portal.code.max_wrong", 5, _("一个验证码允许输错次数"), SIGN_IN, 1, 20),
    Parameter("portal.code.lock_after", 10, _("输错多少次锁定手机号"), SIGN_IN, 1, 100),
    Parameter(
        "portal.code.lock_window_minutes", 60, _("统计输错次数的时段（分钟）"), SIGN_IN, 1, 1440
    ),
    Parameter("portal.code.lock_minutes", 30, _("手机号锁定时长（分钟）"), SIGN_IN, 1, 1440),
    Parameter("portal.token_days", 30, _("居民端令牌有效期（天）"), SIGN_IN, 1, 365),
]
