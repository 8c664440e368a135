"""Rule parameters of member development (RULES.md "Member development").

Every number is data with an effective date: a revision of the national rules (one is
expected in 2026) changes them from its date on, and each step is checked with the
values in force on the step's own date (``value(key, on=step_date)``).
"""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.params import Parameter

RULES_2014 = _("中国共产党发展党员工作细则（2014）")
LOCAL = _("本地实践／2026年修订")
SEED = _("社区党组织建设基本规范（第6篇）")

PARAMETERS = [
    Parameter("development.min_age", 18, _("申请入党最低年龄（周岁）"), RULES_2014, 18, 18),
    Parameter(
        "development.talk_within_months", 1, _("递交申请后派人谈话期限（月）"), RULES_2014, 1, 3
    ),
    Parameter(
        "development.review_every_months", 6, _("入党积极分子考察间隔（月）"), RULES_2014, 1, 12
    ),
    Parameter(
        "development.activist_min_months",
        12,
        _("列为发展对象前培养教育考察的最短时间（月）"),
        RULES_2014,
        6,
        36,
    ),
    Parameter(
        "development.publicity_required",
        True,
        _("确定发展对象前须公示"),
        LOCAL,
    ),
    Parameter("development.publicity_working_days", 5, _("发展对象公示期（工作日）"), LOCAL, 1, 30),
    Parameter("development.introducers", 2, _("入党介绍人人数"), RULES_2014, 2, 2),
    Parameter("development.contacts_min", 1, _("培养联系人人数下限"), RULES_2014, 1, 2),
    Parameter("development.contacts_max", 2, _("培养联系人人数上限"), RULES_2014, 1, 3),
    Parameter("development.training_min_days", 3, _("集中培训最少天数"), RULES_2014, 1, 30),
    Parameter("development.training_min_hours", 24, _("集中培训最少学时"), RULES_2014, 1, 200),
    Parameter(
        "development.approval_within_months",
        3,
        _("上级党委审批期限（自支部大会通过之日起，月）"),
        RULES_2014,
        1,
        6,
    ),
    Parameter(
        "development.approval_special_months",
        6,
        _("特殊情况下审批期限上限（月）"),
        RULES_2014,
        3,
        12,
    ),
    Parameter("development.probation_months", 12, _("预备期（月）"), RULES_2014, 12, 12),
    Parameter("development.extension_min_months", 6, _("延长预备期最短（月）"), RULES_2014, 1, 12),
    Parameter("development.extension_max_months", 12, _("延长预备期最长（月）"), RULES_2014, 6, 12),
    Parameter(
        "development.conversion_approval_within_months",
        3,
        _("转正审批期限（自支部大会讨论之日起，月）"),
        RULES_2014,
        1,
        6,
    ),
    Parameter(
        "development.quota_activists_per_year", 3, _("每个社区每年培养入党积极分子数"), SEED, 0, 100
    ),
    Parameter("development.quota_objects", 1, _("每个社区每个周期确定发展对象数"), SEED, 0, 100),
    Parameter("development.quota_objects_years", 2, _("发展对象配额周期（年）"), SEED, 1, 5),
    Parameter("development.due_soon_days", 14, _("到期提醒提前天数"), LOCAL, 1, 90),
]
