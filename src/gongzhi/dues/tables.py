from django.utils.translation import gettext_lazy as _

from gongzhi.core.tables import Column, Table


class ArrearsTable(Table):
    columns = (
        Column("member.name", _("姓名"), link=True),
        Column("member.organization.name", _("所在党支部")),
        Column("member.category", _("党员类别"), lambda a: a.member.get_category_display()),
        Column("unpaid_streak", _("连续未交月数")),
        Column("last_paid_month", _("最近缴清月份"), kind="month"),
        Column("member.phone_masked", _("手机号")),
    )


class MemberDeclarationTable(Table):
    columns = (
        Column("name", _("姓名"), link=True),
        Column("organization.name", _("所在党支部")),
        Column("category", _("党员类别")),
        Column("phone_masked", _("手机号")),
    )
