"""Rule parameters of organizational life (RULES.md "Organizational life"). Frequencies
are months between two meetings of a kind (1 monthly, 3 quarterly, 12 yearly, 0 not
required), for each class of organization: branches, general branches and committees,
party groups."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.params import Parameter

BRANCH_RULES = _("中国共产党支部工作条例（试行）2018")
EDUCATION_RULES = _("中国共产党党员教育管理工作条例 2019")
LOCAL = _("本地实践")
COMMUNITY_NORM = _("社区党组织建设基本规范")


def _months(key: str, default: int, label, source=BRANCH_RULES) -> Parameter:
    return Parameter(f"orglife.months.{key}", default, label, source, 0, 12)


PARAMETERS = [
    _months("branch.assembly", 3, _("党支部：党员大会间隔（月）")),
    _months("branch.committee", 1, _("党支部：支委会间隔（月）")),
    _months("branch.lecture", 3, _("党支部：党课间隔（月）"), LOCAL),
    _months("branch.theme_day", 1, _("党支部：主题党日间隔（月）")),
    _months("branch.life", 12, _("党支部：组织生活会间隔（月）")),
    _months("branch.evaluation", 12, _("党支部：民主评议党员间隔（月）")),
    _months("general.assembly", 12, _("党委、党总支：党员大会间隔（月）"), LOCAL),
    _months("general.committee", 1, _("党委、党总支：委员会会议间隔（月）"), LOCAL),
    _months("general.lecture", 3, _("党委、党总支：党课间隔（月）"), LOCAL),
    _months("general.life", 12, _("党委、党总支：组织生活会间隔（月）"), LOCAL),
    _months("group.group", 1, _("党小组：党小组会间隔（月）")),
    Parameter("orglife.secretary_lectures", 1, _("书记每年至少讲党课次数"), BRANCH_RULES, 0, 12),
    Parameter("orglife.theme_day", 15, _("主题党日默认固定日（每月几日）"), LOCAL, 1, 28),
    Parameter("orglife.theme_day_postpone_days", 7, _("主题党日最多推迟天数"), LOCAL, 0, 31),
    Parameter("orglife.notice_days", 2, _("会议至少提前几天通知"), LOCAL, 0, 30),
    Parameter("orglife.life_month", 12, _("组织生活会计划月份"), LOCAL, 1, 12),
    Parameter("orglife.evaluation_month", 12, _("民主评议计划月份"), LOCAL, 1, 12),
    Parameter(
        "orglife.excellent_divisor",
        3,
        _("评议“优秀”不超过参评党员的几分之一"),
        _("12371 指导意见；本地实践"),
        2,
        10,
    ),
    Parameter(
        "orglife.correction_months", 12, _("不合格党员限期改正最长期限（月）"), BRANCH_RULES, 1, 12
    ),
    Parameter("orglife.hours.member", 32, _("党员每年集中学习培训学时"), EDUCATION_RULES, 0, 200),
    Parameter(
        "orglife.hours.cadre", 56, _("书记、委员每年集中学习培训学时"), EDUCATION_RULES, 0, 200
    ),
    Parameter("orglife.hours.full_day", 8, _("全天折算学时"), LOCAL, 1, 12),
    Parameter("orglife.hours.half_day", 4, _("半天折算学时"), LOCAL, 1, 8),
    Parameter(
        "orglife.training_days.community_secretary",
        7,
        _("社区书记每年集中培训天数（区级以上）"),
        COMMUNITY_NORM,
        0,
        60,
    ),
    Parameter(
        "orglife.training_days.two_committee",
        3,
        _("其他“两委”成员每年集中培训天数（街道级以上）"),
        COMMUNITY_NORM,
        0,
        60,
    ),
    Parameter("orglife.shortfall_from_month", 10, _("学时不足从几月起预警"), LOCAL, 1, 12),
]
