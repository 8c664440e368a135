"""在职党员与志愿服务 (M8): 双报到, pairing with households, volunteering with hours,
micro-wishes, “1+1”, the three-level evaluation and the employer feedback reports."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

from gongzhi.core import modules
from gongzhi.core.modules import Manifest, NavItem  # noqa: F401

from .permissions import CHANGE, RATE, REPORT, TAKE_PART, VIEW  # noqa: F401

GROUP = _("在职党员与志愿服务")

MANIFEST = Manifest(
    label="service",
    order=80,
    urls="gongzhi.service.urls",
    prefix="service/",
    api=(("/service/reports", "gongzhi.service.report_api.router"),),
    nav=(
        NavItem(_("在职党员报到"), "service:report_list", VIEW, "person-badge", GROUP, 800),
        NavItem(_("单位报到"), "service:unit_report_list", VIEW, "building", GROUP, 802),
        NavItem(_("报到单位"), "service:unit_list", VIEW, "buildings", GROUP, 804),
        NavItem(_("报到率"), "service:report_rates", VIEW, "percent", GROUP, 806),
        NavItem(_("结对联系覆盖"), "service:coverage", VIEW, "diagram-3", GROUP, 808),
        NavItem(
            _("我的报到"),
            "service:report_mine",
            "",
            "person-check",
            GROUP,
            812,
            when="gongzhi.party.selectors.is_member",
        ),
    ),
    notifications=(
        modules.NotificationKind(
            "service.report", _("报到确认"), _("社区确认或退回在职党员的报到申请")
        ),
    ),
    warnings=(
        modules.WarningKind(
            "service.reconfirm_due",
            _("报到逾期未复核"),
            VIEW,
            _("社区书记"),
            _("在职党员报到确认后每半年复核一次，超过下次确认截止日期仍未复核"),
            "gongzhi.service.reports.reconfirm_due",
            "service:report_list?warning=due",
        ),
    ),
    todos=(
        modules.Todo(
            "service.report_requests",
            _("待确认的报到"),
            CHANGE,
            "gongzhi.service.reports.requests_waiting",
            "service:report_list?status=requested",
            order=80,
        ),
        modules.Todo(
            "service.reconfirm",
            _("待复核的报到"),
            CHANGE,
            "gongzhi.service.reports.reconfirm_soon",
            "service:report_list?status=confirmed",
            due="confirm_due",
            order=81,
        ),
    ),
    audit_labels={
        "service.unit.created": _("登记报到单位"),
        "service.unit.updated": _("修改报到单位"),
        "service.report.requested": _("申请到社区报到"),
        "service.report.entered": _("登记在职党员报到"),
        "service.report.confirm": _("确认在职党员报到"),
        "service.report.decline": _("退回在职党员报到"),
        "service.report.reconfirm": _("复核确认在职党员报到"),
        "service.report.end": _("结束在职党员报到"),
        "service.unit_report.requested": _("登记单位报到"),
        "service.unit_report.confirm": _("确认单位报到"),
        "service.unit_report.decline": _("退回单位报到"),
        "service.unit_report.reconfirm": _("复核确认单位报到"),
        "service.unit_report.end": _("结束单位报到"),
        "service.pair.created": _("结对联系户"),
        "service.pair.ended": _("结束结对联系"),
    },
)
