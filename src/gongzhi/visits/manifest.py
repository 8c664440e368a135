"""走访与帮扶 (M9): visits (民情走访, 谈心说事), 三必到五必访, visit norms with their
compliance view, care households and care cases (结对帮扶)."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

from gongzhi.core.modules import Manifest, NavItem, NotificationKind  # noqa: F401

from .permissions import CARE, RECORD, VIEW  # noqa: F401

GROUP = _("走访与帮扶")
# A party member's own pages, in the menu of members only.
MEMBER = "gongzhi.party.selectors.is_member"

MANIFEST = Manifest(
    label="visits",
    order=85,
    urls="gongzhi.visits.urls",
    prefix="visits/",
    api=(
        ("/visits", "gongzhi.visits.api.router"),
        ("/visits/cases", "gongzhi.visits.case_api.router"),
    ),
    nav=(
        NavItem(_("登记走访"), "visits:create", RECORD, "pencil-square", GROUP, 850),
        NavItem(_("走访记录"), "visits:list", VIEW, "house-heart", GROUP, 852),
        NavItem(_("我的走访"), "visits:mine", RECORD, "person-walking", GROUP, 854),
        NavItem(_("结对帮扶"), "visits:case_list", VIEW, "hand-thumbs-up", GROUP, 860),
        NavItem(_("我参与的帮扶"), "visits:case_mine", "", "heart", GROUP, 862, when=MEMBER),
    ),
    notifications=(
        NotificationKind(
            "visits.case_helper", _("结对帮扶人通知"), _("被确定为结对帮扶的帮扶人时通知本人")
        ),
    ),
    audit_labels={
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
