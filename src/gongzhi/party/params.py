"""Rule parameters of organizations and members (RULES.md "Organizational life")."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.params import Parameter

REGULATIONS = _("中国共产党支部工作条例（试行）2018；党章")

PARAMETERS = [
    Parameter("party.term_years.community", 5, _("社区党组织任期（年）"), REGULATIONS, 3, 5),
    Parameter("party.term_years.other", 3, _("其他党组织委员会任期（年）"), REGULATIONS, 3, 5),
    Parameter("party.term_warning_days", 90, _("换届提醒提前天数"), _("本地实践"), 1, 365),
    Parameter(
        "party.branch_min_full_members", 3, _("成立党支部所需正式党员数"), REGULATIONS, 1, 10
    ),
    Parameter(
        "party.branch_max_members", 50, _("党支部党员人数上限（一般）"), REGULATIONS, 10, 200
    ),
    Parameter(
        "party.committee_from_full_members", 7, _("设支部委员会的正式党员数"), REGULATIONS, 3, 20
    ),
    Parameter(
        "party.general_branch_over", 50, _("可设党总支的党员人数（超过）"), REGULATIONS, 10, 200
    ),
    Parameter(
        "party.grassroots_committee_over",
        100,
        _("可设基层党委的党员人数（超过）"),
        REGULATIONS,
        50,
        500,
    ),
    Parameter(
        "party.two_committee_min",
        5,
        _("社区“两委”成员人数下限"),
        _("社区党组织建设基本规范"),
        1,
        20,
    ),
    Parameter(
        "party.two_committee_max",
        9,
        _("社区“两委”成员人数上限"),
        _("社区党组织建设基本规范"),
        1,
        30,
    ),
    Parameter(
        "party.two_committee_young_age",
        35,
        _("年轻干部年龄（周岁以下）"),
        _("社区党组织建设基本规范"),
        18,
        60,
    ),
    Parameter(
        "party.letter_validity_months",
        3,
        _("组织关系介绍信有效期（月）"),
        _("本地实践：10天至6个月"),
        1,
        6,
    ),
    Parameter("party.lost_contact_months", 6, _("失联多少个月停止党籍"), _("党章"), 1, 24),
    Parameter(
        "party.removal_after_months", 24, _("停止党籍后多少个月仍失联予以除名"), _("党章"), 6, 60
    ),
    Parameter(
        "party.floating_contact_months", 6, _("流动党员联系间隔上限（月）"), REGULATIONS, 1, 12
    ),
    Parameter(
        "party.min_age_at_application", 18, _("申请入党最低年龄"), _("发展党员工作细则"), 18, 18
    ),
]
