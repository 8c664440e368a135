"""组织生活 (M6): 三会一课, theme party days, organizational-life meetings, democratic
evaluation of members, study hours and talks."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, NotificationKind

MANIFEST = Manifest(
    label="orglife",
    order=65,
    urls="gongzhi.orglife.urls",
    prefix="orglife/",
    api=(("/orglife", "gongzhi.orglife.api.router"),),
    nav=(
        NavItem(
            _("会议"),
            "orglife:meeting_list",
            "orglife.view_meeting",
            "people",
            _("组织生活"),
            500,
        ),
    ),
    notifications=(
        NotificationKind(
            "orglife.notice", _("会议通知"), _("三会一课、主题党日等会议的通知（应参会党员）")
        ),
    ),
    audit_labels={
        "orglife.meeting.created": _("新建会议"),
        "orglife.meeting.update": _("修改会议安排"),
        "orglife.meeting.notify": _("发出会议通知"),
        "orglife.meeting.attendance": _("登记签到和请假"),
        "orglife.meeting.signed_in": _("党员扫码签到"),
        "orglife.meeting.hold": _("登记会议召开"),
        "orglife.meeting.decided": _("记录会议决定"),
        "orglife.meeting.minutes": _("填写会议记录"),
        "orglife.meeting.minutes_approved": _("审定会议记录"),
        "orglife.meeting.makeup": _("登记补课"),
        "orglife.meeting.close": _("会议归档"),
        "orglife.meeting.cancel": _("取消会议"),
    },
)
