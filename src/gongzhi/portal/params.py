"""Rule parameters of the residents' portal (RULES.md "Resident portal"; the per-IP
limits and the lockout are this project's choice, ADR 0016). Each has an effective date
through ``core.params``."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.params import Parameter

RULES = _("RULES.md 居民端（短信服务商通行做法）")
LOCAL = _("本地实践（ADR 0016）")

PARAMETERS = [
    Parameter("portal.code.valid_minutes", 5, _("验证码有效期（分钟）"), RULES, 1, 30),
    Parameter("portal.code.per_minute", 1, _("每个手机号每分钟验证码上限"), RULES, 1, 10),
    Parameter("portal.code.per_hour", 5, _("每个手机号每小时验证码上限"), RULES, 1, 50),
    Parameter("portal.code.per_day", 10, _("每个手机号每天验证码上限"), RULES, 1, 100),
    Parameter("portal.code.ip_per_minute", 20, _("每个网络地址每分钟验证码上限"), LOCAL, 1, 1000),
    Parameter("portal.code.ip_per_hour", 200, _("每个网络地址每小时验证码上限"), LOCAL, 1, 10000),
    Parameter("portal.code.max_wrong", 5, _("一个验证码允许输错次数"), LOCAL, 1, 20),
    Parameter("portal.code.lock_after", 10, _("输错多少次锁定手机号"), LOCAL, 1, 100),
    Parameter(
        "portal.code.lock_window_minutes", 60, _("统计输错次数的时段（分钟）"), LOCAL, 1, 1440
    ),
    Parameter("portal.code.lock_minutes", 30, _("手机号锁定时长（分钟）"), LOCAL, 1, 1440),
    Parameter("portal.token_days", 30, _("居民端令牌有效期（天）"), LOCAL, 1, 365),
]
