"""Residents' demands: intake, dispatch, handling, rating, supervision, figures."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import (
    Figure,
    Manifest,
    NavItem,
    NotificationKind,
    Periodic,
    SearchKind,
    Todo,
)

from .choices import ACTION_LABELS

GROUP = _("民情诉求")
SELECTORS = "gongzhi.demands.selectors"
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
    searches=(SearchKind("demands", _("诉求"), VIEW, "gongzhi.demands.selectors.find", 40),),
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
    todos=(
        Todo(
            "demands.accept",
            _("待接单诉求"),
            "demands.handle",
            f"{SELECTORS}.todo_accept",
            "demands:inbox?tab=handle&status=dispatched",
            due="accept_due",
            order=10,
        ),
        Todo(
            "demands.answer",
            _("待答复诉求"),
            "demands.handle",
            f"{SELECTORS}.todo_answer",
            "demands:inbox?tab=handle",
            due="due_at",
            order=11,
        ),
        Todo(
            "demands.dispatch",
            _("待分派诉求"),
            "demands.dispatch",
            f"{SELECTORS}.todo_dispatch",
            "demands:inbox?tab=dispatch",
            order=12,
        ),
        Todo(
            "demands.extensions",
            _("待审批延期申请"),
            "demands.dispatch",
            f"{SELECTORS}.todo_extensions",
            "demands:list?extension=true",
            due="due_at",
            order=13,
        ),
        Todo(
            "demands.follow_up",
            _("待回访诉求"),
            "demands.dispatch",
            f"{SELECTORS}.todo_follow_up",
            "demands:inbox?tab=follow",
            order=14,
        ),
        Todo(
            "demands.supervise",
            _("超期待督办诉求"),
            "demands.supervise",
            f"{SELECTORS}.todo_supervise",
            "demands:supervision?tab=overdue",
            due="due_at",
            order=15,
        ),
    ),
    figures=(
        Figure(
            "demands.received",
            _("每日受理诉求"),
            "demands.supervise",
            f"{SELECTORS}.figure_received",
            "demands:list",
        ),
        Figure(
            "demands.closed",
            _("每日办结诉求"),
            "demands.supervise",
            f"{SELECTORS}.figure_closed",
            "demands:report",
        ),
        Figure(
            "demands.on_time",
            _("按期办结率"),
            "demands.supervise",
            f"{SELECTORS}.figure_on_time",
            "demands:supervision?tab=overdue",
        ),
    ),
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
        "demands.demand.assisted": _("代居民提交诉求（代办）"),
        "demands.demand.claimed": _("居民首次手机登录，认领本号码登记的诉求"),
        "demands.demand.phone_viewed": _("查看诉求人完整电话"),
        **{f"demands.demand.{action}": label for action, label in ACTION_LABELS.items()},
    },
)
