"""组织生活 (M6): 三会一课, theme party days, organizational-life meetings, democratic
evaluation of members, study hours and talks."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem

from .permissions import VIEW

MANIFEST = Manifest(
    label="orglife",
    order=65,
    urls="gongzhi.orglife.urls",
    prefix="orglife/",
    api=(("/orglife", "gongzhi.orglife.api.router"),),
    demo="gongzhi.orglife.demo",
    nav=(
        NavItem(_("会议记录本"), "orglife:record_book", VIEW, "journal-text", _("组织生活"), 550),
        NavItem(_("纪实包核验"), "orglife:verify", VIEW, "patch-check", _("组织生活"), 555),
    ),
    audit_labels={
        "orglife.bundle.generated": _("生成会议纪实包"),
        "orglife.record_book.generated": _("生成会议记录本"),
    },
)
