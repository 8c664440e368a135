"""Member development: the 25 steps from application to full membership."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem

MANIFEST = Manifest(
    label="development",
    order=60,
    urls="gongzhi.development.urls",
    prefix="development/",
    api=(("/development", "gongzhi.development.api.router"),),
    nav=(
        NavItem(
            _("发展党员"),
            "development:file_list",
            "development.view_file",
            "person-plus",
            _("党费与发展"),
            401,
        ),
    ),
    demo="gongzhi.development.demo",
    audit_labels={
        "development.step.recorded": _("办理发展党员步骤"),
        "development.review.recorded": _("记录入党积极分子考察"),
        "development.file.ended": _("终止发展"),
    },
)
