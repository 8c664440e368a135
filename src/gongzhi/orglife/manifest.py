"""组织生活 (M6): 三会一课, theme party days, organizational-life meetings, democratic
evaluation of members, study hours and talks."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, Todo, WarningKind

from .permissions import CHANGE, VIEW

MANIFEST = Manifest(
    label="orglife",
    order=65,
    urls="gongzhi.orglife.urls",
    prefix="orglife/",
    api=(
        ("/orglife", "gongzhi.orglife.api.router"),
        ("/orglife/plans", "gongzhi.orglife.plan_api.router"),
    ),
    nav=(
        NavItem(_("组织生活日历"), "orglife:compliance", VIEW, "calendar3", _("组织生活"), 510),
        NavItem(_("年度计划"), "orglife:plan_list", VIEW, "calendar-check", _("组织生活"), 505),
    ),
    warnings=(
        WarningKind(
            "orglife.overdue",
            _("组织生活逾期"),
            VIEW,
            _("支部书记"),
            _("年度计划规定的会议超过应召开截止日期仍未召开"),
            "gongzhi.orglife.compliance.overdue",
            "orglife:compliance",
        ),
    ),
    todos=(
        Todo(
            "orglife.this_month",
            _("本月组织生活"),
            CHANGE,
            "gongzhi.orglife.compliance.this_month",
            "orglife:compliance",
            due="due_on",
            order=50,
        ),
    ),
    audit_labels={
        "orglife.plan.generated": _("生成年度组织生活计划"),
        "orglife.plan.generated_all": _("批量生成年度组织生活计划"),
        "orglife.plan.generate_all_started": _("开始批量生成年度组织生活计划"),
        "orglife.plan.theme_day": _("修改主题党日固定日"),
    },
)
