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
        ("/service/ratings", "gongzhi.service.rating_api.router"),  # ratings
    ),
    nav=(
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
        # ratings
        "service.rating.rated": _("录入三级评议"),
        "service.rating.published": _("公布三级评议结果"),
        "service.feedback.started": _("发起生成单位反馈报告"),
        "service.feedback.generated": _("单位反馈报告生成完成"),
        "service.feedback.downloaded": _("下载单位反馈报告"),
    },
)
