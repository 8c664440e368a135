"""在职党员与志愿服务 (M8): 双报到, pairing with households, volunteering with hours,
micro-wishes, “1+1”, the three-level evaluation and the employer feedback reports."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, NotificationKind, WarningKind  # noqa: F401

from .permissions import CHANGE, RATE, REPORT, TAKE_PART, VIEW  # noqa: F401

GROUP = _("在职党员与志愿服务")

MANIFEST = Manifest(
    label="service",
    order=80,
    urls="gongzhi.service.urls",
    prefix="service/",
    api=(
        ("/service/wishes", "gongzhi.service.wish_api.router"),
        ("/service/ratings", "gongzhi.service.rating_api.router"),
        ("/service/volunteers", "gongzhi.service.volunteer_api.router"),
    ),
    nav=(
        NavItem(_("微心愿"), "service:wish_list", VIEW, "gift", GROUP, 840),
        NavItem(_("心愿墙"), "service:wish_wall", TAKE_PART, "stars", GROUP, 841),
        NavItem(_("需求清单"), "service:wish_needs", VIEW, "list-check", GROUP, 842),
        NavItem(_("“1+1”"), "service:one_plus_one", VIEW, "chat-square-text", GROUP, 843),
        NavItem(
            _("我的1+1"),
            "service:my_one_plus_one",
            TAKE_PART,
            "person-lines-fill",
            GROUP,
            844,
            when="gongzhi.service.wishes.is_inservice_member",
        ),
        NavItem(_("三级评议"), "service:rating_list", VIEW, "award", GROUP, 845),
        NavItem(_("单位评议扣分"), "service:rating_units", VIEW, "building-down", GROUP, 846),
        NavItem(_("评议结果公示"), "service:rating_published", TAKE_PART, "megaphone", GROUP, 847),
        NavItem(_("单位反馈报告"), "service:feedback_list", REPORT, "file-earmark-zip", GROUP, 848),
        NavItem(
            _("我的三级评议"),
            "service:rating_mine",
            "",
            "person-check",
            GROUP,
            849,
            when="gongzhi.party.selectors.is_member",
        ),
        NavItem(_("志愿者"), "service:volunteer_list", VIEW, "person-heart", GROUP, 830),
        NavItem(_("志愿服务队"), "service:team_list", VIEW, "people-fill", GROUP, 831),
        NavItem(_("服务岗位"), "service:post_list", VIEW, "signpost", GROUP, 832),
        NavItem(_("志愿服务时长"), "service:ledger_summary", VIEW, "hourglass-split", GROUP, 833),
        NavItem(_("我的志愿服务"), "service:mine", TAKE_PART, "heart", GROUP, 834),
        NavItem(_("志愿服务证明核验"), "service:certificate_check", "", "patch-check", GROUP, 835),
    ),
    notifications=(
        NotificationKind(
            "service.wish",
            _("微心愿"),
            _("微心愿的发布、认领、完成、确认和撤销"),
        ),
        NotificationKind(
            "service.rating", _("三级评议结果公布"), _("社区公布年度三级评议结果（参评党员）")
        ),
        NotificationKind(
            "service.feedback",
            _("单位反馈报告已生成"),
            _("批量生成的单位反馈报告可以下载（发起人）"),
        ),
    ),
    audit_labels={
        "service.wish.published": _("发布微心愿"),
        "service.wish.visit_linked": _("走访记录发布微心愿"),
        "service.wish.claim": _("认领微心愿"),
        "service.wish.claimed_for_unit": _("代单位认领微心愿"),
        "service.wish.fulfil": _("登记微心愿完成"),
        "service.wish.confirm": _("确认微心愿"),
        "service.wish.cancel": _("撤销微心愿"),
        "service.rating.rated": _("录入三级评议"),
        "service.rating.published": _("公布三级评议结果"),
        "service.feedback.started": _("发起生成单位反馈报告"),
        "service.feedback.generated": _("单位反馈报告生成完成"),
        "service.feedback.downloaded": _("下载单位反馈报告"),
        "service.volunteer.registered": _("登记志愿者"),
        "service.volunteer.updated": _("修改志愿者信息"),
        "service.volunteer.deactivated": _("注销志愿者"),
        "service.volunteer.reactivated": _("恢复志愿者在册"),
        "service.team.created": _("新建志愿服务队"),
        "service.team.updated": _("修改志愿服务队"),
        "service.team.joined": _("志愿者加入服务队"),
        "service.team.left": _("志愿者移出服务队"),
        "service.post.created": _("新建服务岗位"),
        "service.post.updated": _("修改服务岗位"),
        "service.certificate.issued": _("出具志愿服务记录证明"),
        "service.certificate.downloaded": _("下载志愿服务记录证明"),
    },
    warnings=(
        WarningKind(
            "service.hours_shortfall",
            _("在职党员志愿服务时长不足"),
            VIEW,
            _("社区书记"),
            _("第三季度起，已报到在职党员本年已核实的志愿服务时长未达年度要求"),
            "gongzhi.service.ledger.shortfalls",
            "service:ledger_shortfalls",
        ),
    ),
)
