"""在职党员与志愿服务 (M8): 双报到, pairing with households, volunteering with hours,
micro-wishes, “1+1”, the three-level evaluation and the employer feedback reports."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

from gongzhi.core.modules import Manifest, NavItem, WarningKind  # noqa: F401

from .permissions import CHANGE, RATE, REPORT, TAKE_PART, VIEW  # noqa: F401

GROUP = _("在职党员与志愿服务")

MANIFEST = Manifest(
    label="service",
    order=80,
    urls="gongzhi.service.urls",
    prefix="service/",
    api=(
        ("/service/volunteers", "gongzhi.service.volunteer_api.router"),  # ledger part
    ),
    nav=(
        # The volunteer registry, teams, posts, the hours ledger and certificates (830–839).
        NavItem(_("志愿者"), "service:volunteer_list", VIEW, "person-heart", GROUP, 830),
        NavItem(_("志愿服务队"), "service:team_list", VIEW, "people-fill", GROUP, 831),
        NavItem(_("服务岗位"), "service:post_list", VIEW, "signpost", GROUP, 832),
        NavItem(_("志愿服务时长"), "service:ledger_summary", VIEW, "hourglass-split", GROUP, 833),
        NavItem(_("我的志愿服务"), "service:mine", TAKE_PART, "heart", GROUP, 834),
        NavItem(_("志愿服务证明核验"), "service:certificate_check", "", "patch-check", GROUP, 835),
    ),
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
    audit_labels={
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
)
