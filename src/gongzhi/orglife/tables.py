from django.utils.translation import gettext_lazy as _

from gongzhi.core.tables import Column, Table


class MeetingTable(Table):
    """Meetings as listed and exported, with the roster's numbers (selectors.with_counts)."""

    columns = (
        Column("planned_on", _("会议日期"), kind="date"),
        Column("organization", _("党组织"), accessor=lambda m: m.organization.name),
        Column("kind", _("会议类型")),
        Column("topic", _("主题"), link=True),
        Column("state", _("状态")),
        Column("held_on", _("召开日期"), kind="date"),
        Column("n_entitled", _("应到")),
        Column("n_attended", _("实到")),
        Column("n_leave", _("请假")),
        Column("n_absent", _("缺席")),
    )
