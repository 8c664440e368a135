"""Rule parameters of in-service members and volunteering (RULES.md "In-service members"
and its additions). Each has an effective date through ``core.params``."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import RuleViolation
from gongzhi.core.params import Parameter

SEED = _("社区党建工作（第5篇 在职党员进社区）")
LOCAL = _("本地实践")
VOLUNTEER = _("志愿服务记录与证明出具办法（民政部令第67号）；广东省星级志愿者实践")


def validate_levels(value):
    """Star levels: five increasing positive whole numbers of hours."""
    try:
        levels = [int(v) for v in value]
    except (TypeError, ValueError):
        raise RuleViolation(_("星级时长应为整数列表。"), field="value") from None
    if len(levels) != 5 or any(v <= 0 for v in levels) or levels != sorted(set(levels)):
        raise RuleViolation(_("星级时长应为五个递增的正整数。"), field="value")
    return levels


PARAMETERS = [
    Parameter("service.reconfirm_months", 6, _("双报到复核间隔（月）"), LOCAL, 1, 24),
    Parameter("service.reconfirm_notice_days", 30, _("双报到复核到期前提醒（天）"), LOCAL, 0, 180),
    Parameter("service.pair.difficult", 1, _("每名在职党员联系困难户数"), SEED, 0, 5),
    Parameter("service.pair.ordinary", 1, _("每名在职党员联系普通户数下限"), SEED, 0, 10),
    Parameter("service.pair.capacity", 5, _("每名在职党员联系户数上限"), LOCAL, 1, 20),
    Parameter("service.courtyard_units", 1, _("每个院落联系机关党组织数下限"), SEED, 0, 5),
    Parameter("service.community_leaders_min", 1, _("每个社区联系县处级领导下限"), SEED, 0, 5),
    Parameter("service.community_leaders_max", 2, _("每个社区联系县处级领导上限"), SEED, 1, 10),
    Parameter("service.community_units", 6, _("每个社区报到机关单位数（约）"), SEED, 0, 30),
    Parameter("service.yearly_hours", 16, _("在职党员每年志愿服务时长下限（小时）"), SEED, 0, 200),
    Parameter("service.hours_warning_month", 7, _("志愿服务时长不足提醒起始月份"), LOCAL, 1, 12),
    Parameter(
        "service.star_levels",
        [100, 300, 600, 1000, 1500],
        _("一至五星志愿者累计时长（小时）"),
        VOLUNTEER,
        validator=validate_levels,
    ),
    Parameter("service.theme_day_month", 3, _("季度主题服务日所在月（季度第几月）"), SEED, 1, 3),
    Parameter("service.checkin_before_minutes", 30, _("活动开始前可签到（分钟）"), LOCAL, 0, 240),
    Parameter("service.checkout_after_minutes", 60, _("活动结束后可签退（分钟）"), LOCAL, 0, 240),
    Parameter(
        "service.wish_hours_max", 8, _("认领微心愿一次登记服务时长上限（小时）"), LOCAL, 1, 24
    ),
    Parameter("service.one_plus_one_months", 3, _("“1+1”统计周期（月）"), LOCAL, 1, 12),
    Parameter(
        "service.unit_poor_percent", 20, _("单位党员评议差等比例触发扣分（%）"), SEED, 1, 100
    ),
    Parameter("service.unit_deduction_percent", 10, _("单位年度考核扣减比例（%）"), SEED, 0, 100),
]
