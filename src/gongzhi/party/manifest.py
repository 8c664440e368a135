"""Party organizations, committees, members and their transfers."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, SearchKind, Todo, WarningKind

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
    searches=(
        SearchKind("members", _("党员"), MEMBER, "gongzhi.party.selectors.find_members", 30),
        SearchKind(
            "organizations", _("党组织"), ORG, "gongzhi.party.selectors.find_organizations", 50
        ),
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
    todos=(
        Todo(
            "party.receive",
            _("待接收组织关系"),
            "party.manage_transfer",
            "gongzhi.party.selectors.transfers_to_receive",
            "party:transfer_list?state=sent",
            due="valid_until",
            order=30,
        ),
    ),
    warnings=(
        WarningKind(
            "party.floating_uncontacted",
            _("流动党员超期未联系"),
            MEMBER,
            _("支部书记"),
            _("流动党员超过规定月数未与党组织联系"),
            "gongzhi.party.selectors.floating_not_contacted",
            "party:member_list?warning=floating_uncontacted",
        ),
        WarningKind(
            "party.out_of_contact",
            _("失联满期（可停止党籍）"),
            MEMBER,
            _("支部书记"),
            _("党员与党组织失去联系满规定月数，可按规定停止党籍"),
            "gongzhi.party.selectors.out_of_contact",
            "party:member_list?warning=out_of_contact",
            "danger",
        ),
        WarningKind(
            "party.removal_due",
            _("停止党籍满期（应予除名）"),
            MEMBER,
            _("上级党委"),
            _("停止党籍满规定期限仍无法取得联系的，按规定予以除名"),
            "gongzhi.party.selectors.removal_due",
            "party:member_list?warning=removal_due",
            "danger",
        ),
        WarningKind(
            "party.pocket",
            _("口袋党员"),
            MEMBER,
            _("支部书记"),
            _("组织关系介绍信未交党组织，应督促其转入"),
            "gongzhi.party.selectors.pocket",
            "party:member_list?warning=pocket",
        ),
        WarningKind(
            "party.letter_overdue",
            _("介绍信超期未接收"),
            "party.manage_transfer",
            _("转出党组织"),
            _("组织关系介绍信已过有效期仍未被接收，应查明去向"),
            "gongzhi.party.selectors.overdue_letters",
            "party:transfer_list?overdue=on",
        ),
        WarningKind(
            "party.term_due",
            _("党组织换届到期"),
            ORG,
            _("上级党委"),
            _("党组织任期将满或已满，应按期换届"),
            "gongzhi.party.selectors.organizations_term_due",
            "party:warnings",
        ),
    ),
    audit_labels={
        "party.cadre.removed": _("移除两委成员"),
        "party.cadre.saved": _("保存两委成员"),
        "party.committee.seat_added": _("增补委员"),
        "party.committee.seat_removed": _("委员离任"),
        "party.member.category_changed": _("变更党员管理类别"),
        "party.member.changed": _("修改党员信息"),
        "party.member.contacted": _("登记与党员联系"),
        "party.member.converted": _("预备党员转正"),
        "party.member.imported": _("批量导入党员"),
        "party.member.moved": _("党员调整党支部"),
        "party.member.registered": _("登记党员"),
        "party.organization.changed": _("修改党组织"),
        "party.organization.created": _("新建党组织"),
        "party.member.pii_viewed": _("查看党员完整身份证号"),
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
