"""The platform's own pages: the workbench, holidays and the audit log; its periodic
jobs (the audit log's checkpoints and daily verification, import results' expiry, the
notifications' deliveries and retries)."""

from django.utils.translation import gettext_lazy as _

from .modules import Manifest, NavItem, NotificationKind, Periodic

SYSTEM = _("系统")

MANIFEST = Manifest(
    label="core",
    order=0,
    urls="gongzhi.core.urls",
    prefix="",
    api=(
        ("/parameters", "gongzhi.core.parameters_api.router"),
        ("/notifications", "gongzhi.core.notifications_api.router"),
        ("/search", "gongzhi.core.search_api.router"),
    ),
    nav=(
        NavItem(_("工作台"), "core:workbench", "", "speedometer2", _("概览"), 100),
        NavItem(_("我的导出"), "core:export_list", "", "download", _("概览"), 110),
        NavItem(
            _("规则参数"), "core:parameter_list", "core.change_parameter", "sliders", SYSTEM, 915
        ),
        NavItem(_("节假日"), "core:holiday_list", "core.change_holiday", "calendar3", SYSTEM, 920),
        NavItem(
            _("审计日志"), "core:audit_list", "core.view_auditlog", "journal-text", SYSTEM, 930
        ),
    ),
    periodic=(
        Periodic("platform", "gongzhi.core.tasks.run_due"),
        # Notifications due for sending: retries, texts that waited for the rate limit,
        # deliveries whose sender died (core.deliveries).
        Periodic("notifications", "gongzhi.core.deliveries.run_due", minutes=1),
    ),
    notifications=(
        NotificationKind(
            "core.security",
            _("安全告警"),
            _("审计日志校验未通过、疑似越权探测（安全审计员、系统管理员）"),
            mandatory=True,
        ),
    ),
    audit_labels={
        "core.database.backed_up": _("备份数据库"),
        "core.database.restored": _("恢复数据库"),
        "core.parameter.set": _("修改规则参数"),
        "core.permission.denied": _("拒绝越权操作"),
        "core.lookup.refused": _("访问不存在或无权访问的对象"),
        "core.lookup.burst": _("疑似越权探测"),
        "core.list.exported": _("导出列表"),
        "core.holiday.created": _("新增节假日调整"),
        "core.holiday.changed": _("修改节假日调整"),
        "core.holiday.deleted": _("删除节假日调整"),
        "core.holiday.imported": _("导入年度放假安排"),
        "core.holiday.import.rejected": _("年度放假安排导入未通过"),
        "core.calendar.confirmed": _("确认年度放假安排"),
        "core.audit.verified": _("校验审计日志"),
        "core.field_key.rotated": _("更换字段加密密钥"),
        "core.bulk_write.undone": _("撤回中断的批量导入"),
    },
)
