from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.tables import Column, Table


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class DemandTable(Table):
    columns = (
        Column("number", _("编号"), link=True),
        Column("title", _("标题"), link=True),
        Column("category", _("类别")),
        Column("status", _("状态")),
        Column("unit", _("责任单位")),
        Column("received_at", _("受理时间"), lambda d: _local(d.received_at)),
        Column("due_at", _("办结期限"), lambda d: _local(d.due_at)),
        Column("requester_name_masked", _("诉求人")),
    )
