"""Party organizations, committees, members and their transfers."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem

GROUP = _("党组织与党员")
ORG, MEMBER = "party.view_organization", "party.view_member"

MANIFEST = Manifest(
    label="party",
    order=30,
    urls="gongzhi.party.urls",
    prefix="party/",
    api=(
        ("/organizations", "gongzhi.party.api.router"),
        ("/members", "gongzhi.party.api.member_router"),
        ("/transfers", "gongzhi.party.api.transfer_router"),
    ),
    nav=(
        NavItem(_("党组织"), "party:organization_tree", ORG, "diagram-2", GROUP, 300),
        NavItem(_("党员"), "party:member_list", MEMBER, "person-badge", GROUP, 301),
        NavItem(_("党员预警"), "party:warnings", MEMBER, "exclamation-triangle", GROUP, 302),
        NavItem(_("人才库"), "party:talent", MEMBER, "stars", GROUP, 303),
        NavItem(
            _("组织关系转接"),
            "party:transfer_list",
            "party.manage_transfer",
            "arrow-left-right",
            GROUP,
            304,
        ),
        NavItem(_("两委班子"), "party:cadre_overview", ORG, "people-fill", GROUP, 305),
    ),
    demo="gongzhi.party.demo",
    audit_labels={
        "party.member.suspended": _("停止党籍"),
        "party.member.restored": _("恢复党籍"),
        "party.member.removed": _("除名"),
        "party.member.deceased": _("登记党员去世"),
        "party.member.transferred_out": _("党员组织关系转出"),
        "party.transfer.sent": _("开具组织关系介绍信"),
        "party.transfer.received": _("接收组织关系"),
        "party.transfer.returned": _("退回组织关系"),
        "party.transfer.cancelled": _("撤销组织关系转接"),
        "party.transfer.confirmed": _("确认组织关系回执"),
        "party.transfer.received_from_outside": _("接收系统外转入"),
    },
)
