"""Visit norms (RULES.md "In-service members" and "…volunteering and visits"): how often
each kind of visitor visits, and how often each care tier is visited."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.params import Parameter

SEED = _("社区党建工作（第5篇 在职党员进社区）")
LOCAL = _("本地实践")

PARAMETERS = [
    Parameter("visits.months.county_leader", 3, _("县处级领导干部走访间隔（月）"), SEED, 1, 12),
    Parameter("visits.months.committee", 1, _("党委（党组）成员走访间隔（月）"), SEED, 1, 12),
    Parameter("visits.months.member", 2, _("其他在职党员走访间隔（月）"), SEED, 1, 12),
    Parameter("visits.tier.high_risk_days", 7, _("高风险关爱户走访间隔（天）"), LOCAL, 1, 90),
    Parameter("visits.tier.key_months", 1, _("重点关爱户走访间隔（月）"), LOCAL, 1, 12),
    Parameter("visits.tier.normal_months", 3, _("一般关爱户走访间隔（月）"), LOCAL, 1, 12),
    Parameter("visits.event_hours", 24, _("高风险户重大事件后走访时限（小时）"), LOCAL, 1, 168),
    Parameter("visits.due_soon_days", 7, _("待走访提前提醒天数"), LOCAL, 0, 60),
]
