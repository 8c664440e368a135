"""走访与帮扶 (M9): visits (民情走访, 谈心说事), 三必到五必访, visit norms with their
compliance view, care households and care cases (结对帮扶)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, NotificationKind, Todo, WarningKind  # noqa: F401

from .permissions import CARE, RECORD, VIEW

GROUP = _("走访与帮扶")

MEMBER = "gongzhi.party.selectors.is_member"

MANIFEST = Manifest(
    label="visits",
    order=85,
    urls="gongzhi.visits.urls",
    prefix="visits/",
    demo="gongzhi.visits.demo",
    api=(
        ("/visits/care", "gongzhi.visits.care_api.router"),
        ("/visits/compliance", "gongzhi.visits.compliance_api.router"),
        ("/visits", "gongzhi.visits.api.router"),
        ("/visits/cases", "gongzhi.visits.case_api.router"),
    ),
    nav=(
        NavItem(_("关爱户"), "visits:care_list", VIEW, "heart", GROUP, 870),
        NavItem(_("关爱户建议"), "visits:care_suggestions", CARE, "lightbulb", GROUP, 872),
        NavItem(_("走访达标"), "visits:compliance", VIEW, "clipboard-check", GROUP, 875),
        NavItem(_("待走访"), "visits:due", RECORD, "geo-alt", GROUP, 880),
        NavItem(_("登记走访"), "visits:create", RECORD, "pencil-square", GROUP, 850),
        NavItem(_("走访记录"), "visits:list", VIEW, "house-heart", GROUP, 852),
        NavItem(_("我的走访"), "visits:mine", RECORD, "person-walking", GROUP, 854),
        NavItem(_("结对帮扶"), "visits:case_list", VIEW, "hand-thumbs-up", GROUP, 860),
        NavItem(_("我参与的帮扶"), "visits:case_mine", "", "heart", GROUP, 862, when=MEMBER),
    ),
    notifications=(
        NotificationKind(
            "visits.event",
            _("关爱户重大事件"),
            _("高风险关爱户发生重大事件，须在规定时限内走访（所在网格的网格员）"),
        ),
        NotificationKind(
            "visits.case_helper", _("结对帮扶人通知"), _("被确定为结对帮扶的帮扶人时通知本人")
        ),
    ),
    warnings=(
        WarningKind(
            "visits.visitor_overdue",
            _("在职党员走访逾期"),
            VIEW,
            _("社区书记"),
            _("在职党员未按其干部层级规定的走访间隔到社区走访联系户"),
            "gongzhi.visits.compliance.visitor_overdue",
            "visits:compliance",
        ),
        WarningKind(
            "visits.household_overdue",
            _("关爱户走访逾期"),
            VIEW,
            _("网格员"),
            _("关爱户未按关爱等级规定的间隔走访，或高风险户发生重大事件后未在时限内走访"),
            "gongzhi.visits.compliance.household_overdue",
            "visits:compliance",
            severity="danger",
        ),
    ),
    todos=(
        Todo(
            "visits.due",
            _("待走访"),
            RECORD,
            "gongzhi.visits.compliance.due_todo",
            "visits:due",
            due="due",
            order=60,
        ),
    ),
    audit_labels={
        "visits.care.added": _("纳入关爱名单"),
        "visits.care.updated": _("修改关爱等级"),
        "visits.care.ended": _("移出关爱名单"),
        "visits.care.event": _("登记关爱户重大事件"),
        "visits.visit.recorded": _("登记走访"),
        "visits.visit.demand": _("走访转为诉求"),
        "visits.case.opened": _("建立结对帮扶"),
        "visits.case.updated": _("修改帮扶计划"),
        "visits.case.review": _("提交帮扶成效评估"),
        "visits.case.close": _("帮扶结案"),
        "visits.case.reopen": _("帮扶退回继续帮扶"),
        "visits.help.added": _("登记帮扶记录"),
    },
)
