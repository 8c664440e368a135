"""Member development: the 25 steps from application to full membership."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, Todo, WarningKind

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
    todos=(
        Todo(
            "development.due",
            _("发展党员环节到期"),
            "development.manage_file",
            "gongzhi.development.selectors.steps_due",
            "development:pipeline",
            due="due",
            order=40,
        ),
    ),
    warnings=(
        WarningKind(
            "development.overdue",
            _("发展党员环节超期"),
            "development.view_file",
            _("支部书记"),
            _("发展党员某一环节超过规定的间隔或期限"),
            "gongzhi.development.selectors.warnings",
            "development:warnings",
        ),
    ),
    audit_labels={
        "development.step.recorded": _("办理发展党员步骤"),
        "development.review.recorded": _("记录入党积极分子考察"),
        "development.file.ended": _("终止发展"),
        "development.file.opened": _("建立发展党员档案"),
        "development.file.pii_viewed": _("查看发展对象完整身份证号"),
        "development.file.phone_viewed": _("查看发展对象完整手机号"),
    },
)
