from django.utils.translation import gettext_lazy as _

from gongzhi.core.tables import Column, Table


class AreaTable(Table):
    columns = (
        Column("code", _("编码"), link=True),
        Column("name", _("名称"), link=True),
        Column("level", _("层级")),
        Column("full_name", _("全称")),
    )


class HouseholdTable(Table):
    columns = (
        Column("code", _("编码"), link=True),
        Column("address", _("地址"), link=True),
        Column("door_number", _("门牌号")),
        Column("status", _("居住状态")),
        Column("area_m2", _("面积(㎡)")),
        Column("note", _("备注")),
    )
