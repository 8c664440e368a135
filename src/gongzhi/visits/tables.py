from django.utils.translation import gettext_lazy as _

from gongzhi.core.pii import mask_name
from gongzhi.core.tables import Column, Table


def _household(visit) -> str:
    return visit.household.place_name() if visit.household_id else visit.area.name


def _visitor(visit) -> str:
    if visit.member_id:
        return visit.member.name
    return visit.visitor.full_name or visit.visitor.username


class VisitTable(Table):
    """Visits as listed and exported (the person visited masked)."""

    columns = (
        Column("visited_on", _("走访日期"), kind="date", link=True),
        Column("household", _("走访户"), accessor=_household),
        Column(
            "resident",
            _("走访对象"),
            accessor=lambda v: mask_name(v.resident.name) if v.resident_id else "",
        ),
        Column("kind", _("走访类型")),
        Column("visitor", _("走访人"), accessor=_visitor),
        Column("found", _("了解情况"), accessor=lambda v: v.found[:60]),
        Column("follow_up", _("后续处理")),
    )


class CaseTable(Table):
    columns = (
        Column("opened_on", _("建档日期"), kind="date"),
        Column("title", _("帮扶事项"), link=True),
        Column("household", _("帮扶户"), accessor=lambda c: c.household.place_name()),
        Column("status", _("状态")),
        Column("n_help", _("帮扶次数")),
        Column("help_value", _("折合金额（元）"), kind="money"),
        Column("closed_on", _("结案日期"), kind="date"),
    )
