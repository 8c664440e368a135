from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.tables import Column, Table

from .choices import Status

# The label by a dict: ``get_status_display`` rebuilds and translates every choice for
# each row (half the CPU of a 50-row page).
STATUS_LABELS = dict(Status.choices)


def _status(demand):
    return STATUS_LABELS.get(demand.status, demand.status)


def _category(demand):
    return demand.category or _("未分类")


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class DemandTable(Table):
    columns = (
        Column("number", _("编号"), link=True),
        Column("title", _("标题"), link=True),
        Column("category", _("类别"), _category),
        Column("status", _("状态"), _status),
        Column("unit", _("责任单位")),
        Column("received_at", _("受理时间"), lambda d: _local(d.received_at)),
        Column("due_at", _("办结期限"), lambda d: _local(d.due_at)),
        Column("requester_name_masked", _("诉求人")),
    )


def _flags(demand) -> str:
    flags = []
    if demand.overdue:
        flags.append(str(_("已超期")))
    if demand.accept_overdue:
        flags.append(str(_("接单超时")))
    if demand.supervised:
        flags.append(str(_("督办")))
    return "、".join(flags)


class WorkTable(Table):
    """A work list: what is due when, and the flags the sweep set."""

    columns = (
        Column("number", _("编号"), link=True),
        Column("title", _("标题"), link=True),
        Column("area", _("发生地点"), lambda d: d.area.place_name()),
        Column("category", _("类别"), _category),
        Column("status", _("状态"), _status),
        Column("unit", _("责任单位")),
        Column("received_at", _("受理时间"), lambda d: _local(d.received_at)),
        Column("due_at", _("办结期限"), lambda d: _local(d.due_at)),
        Column("flags", _("提示"), _flags),
    )


class UnitTable(Table):
    columns = (
        Column("name", _("名称"), link=True),
        Column("kind", _("类型")),
        Column("area", _("服务区域"), lambda u: u.area.place_name()),
        Column("phone", _("联系电话")),
        Column("handlers", _("处理人"), lambda u: "、".join(str(h) for h in u.handlers.all())),
        Column("is_active", _("启用")),
    )
