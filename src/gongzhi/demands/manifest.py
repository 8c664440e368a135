"""Residents' demands: intake, dispatch, handling, rating, supervision, figures."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, NotificationKind, Periodic

from .choices import ACTION_LABELS

GROUP = _("民情诉求")
VIEW = "demands.view_demand"
# The kinds of message the module sends (notify(kind=...)); people choose their channels.
PROGRESS, TASK = "demands.progress", "demands.task"

MANIFEST = Manifest(
    label="demands",
    order=70,
    urls="gongzhi.demands.urls",
    prefix="demands/",
    extra_urls=(("public/demands/", "gongzhi.demands.urls.public_urlpatterns"),),
    api=(("/demands", "gongzhi.demands.api.router"),),
    nav=(
        NavItem(_("诉求受理"), "demands:intake", "demands.intake", "inbox", GROUP, 500),
        NavItem(_("诉求列表"), "demands:list", VIEW, "card-list", GROUP, 501),
        NavItem(_("待办诉求"), "demands:inbox", "demands.handle", "list-check", GROUP, 502),
        NavItem(_("督办"), "demands:supervision", "demands.supervise", "alarm", GROUP, 503),
        NavItem(_("月度通报"), "demands:report", VIEW, "bar-chart", GROUP, 504),
        NavItem(
            _("类别与分派"), "demands:categories", "demands.manage_setup", "diagram-3", GROUP, 505
        ),
        NavItem(_("我的诉求"), "demands:mine", "demands.view_own", "chat-left-text", GROUP, 506),
    ),
    demo="gongzhi.demands.demo",
    notifications=(
        NotificationKind(
            PROGRESS, _("诉求办理进展"), _("受理、派单、答复、办结等每一步（诉求人）")
        ),
        NotificationKind(TASK, _("派单与催办"), _("新派单、到期提醒、超期督办（承办人员）")),
    ),
    # Reminders before deadlines, escalation after them (docs/demands.md).
    periodic=(
        Periodic(
            "demands.sweep",
            "gongzhi.demands.tasks.run_sweep",
            report=_("到期提醒 {reminded} 件，超期督办 {overdue} 件，接单超时 {accept_overdue} 件"),
            skipped=_("另一个扫描正在进行，本次跳过"),
        ),
    ),
    audit_labels={
        "demands.category.changed": _("修改诉求类别"),
        "demands.category.created": _("新增诉求类别"),
        "demands.meeting.recorded": _("登记居民议事会诉求"),
        "demands.unit.changed": _("修改责任单位"),
        "demands.unit.created": _("新增责任单位"),
        "demands.demand.created": _("受理诉求"),
        "demands.demand.phone_viewed": _("查看诉求人完整电话"),
        **{f"demands.demand.{action}": label for action, label in ACTION_LABELS.items()},
    },
)
