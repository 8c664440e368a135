"""在职党员与志愿服务 (M8): 双报到, pairing with households, volunteering with hours,
micro-wishes, “1+1”, the three-level evaluation and the employer feedback reports."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

from gongzhi.core.modules import Manifest, NavItem, NotificationKind  # noqa: F401

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
        # ratings: 三级评议 and the feedback reports (845–849)
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
    ),
    notifications=(
        NotificationKind(
            "service.wish",
            _("微心愿"),
            _("微心愿的发布、认领、完成、确认和撤销"),
        ),
        # ratings
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
        # ratings
        "service.rating.rated": _("录入三级评议"),
        "service.rating.published": _("公布三级评议结果"),
        "service.feedback.started": _("发起生成单位反馈报告"),
        "service.feedback.generated": _("单位反馈报告生成完成"),
        "service.feedback.downloaded": _("下载单位反馈报告"),
    },
)
