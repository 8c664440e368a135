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
    api=(
        ("/service/activities", "gongzhi.service.activity_api.router"),
        ("/service/hours", "gongzhi.service.hours_api.router"),
    ),
    nav=(
        NavItem(_("志愿服务活动"), "service:activity_list", VIEW, "flag", GROUP, 815),
        NavItem(_("补录时长审核"), "service:hours_pending", CHANGE, "check2-square", GROUP, 818),
        NavItem(_("季度主题服务日"), "service:theme_days", VIEW, "calendar-event", GROUP, 820),
        NavItem(_("我的活动"), "service:activity_mine", TAKE_PART, "hand-thumbs-up", GROUP, 825),
        NavItem(_("签到"), "service:checkin", TAKE_PART, "qr-code-scan", GROUP, 826),
        NavItem(_("补录时长"), "service:hours_makeup", TAKE_PART, "clock-history", GROUP, 827),
    ),
    notifications=(
        modules.NotificationKind(
            "service.activity",
            _("志愿服务活动"),
            _("活动发布、变更、取消，候补转正，补录时长审核结果（报名志愿者和服务队）"),
        ),
    ),
    periodic=(
        modules.Periodic(
            "service.checkout",
            "gongzhi.service.activities.close_forgotten",
            report=_("未签退的志愿服务时长按活动结束时间计入 {closed} 条"),
        ),
    ),
    audit_labels={
        "service.volunteer.registered": _("登记志愿者"),
        "service.activity.created": _("新建志愿服务活动"),
        "service.activity.update": _("修改志愿服务活动"),
        "service.activity.publish": _("发布志愿服务活动"),
        "service.activity.finish": _("结束志愿服务活动"),
        "service.activity.cancel": _("取消志愿服务活动"),
        "service.activity.signed_up": _("报名志愿服务活动"),
        "service.activity.signup_cancelled": _("取消活动报名"),
        "service.activity.promoted": _("候补转正"),
        "service.activity.checked_in": _("志愿服务签到"),
        "service.activity.checked_out": _("志愿服务签退"),
        "service.activity.auto_closed": _("未签退按活动结束时间计"),
        "service.hours.makeup": _("补录志愿服务时长"),
        "service.hours.approved": _("补录时长审核通过"),
        "service.hours.declined": _("补录时长审核不通过"),
        "service.hours.corrected": _("更正志愿服务时长"),
    },
)
