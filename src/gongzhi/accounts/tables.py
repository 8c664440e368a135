from django.utils.translation import gettext_lazy as _

from gongzhi.core.tables import Column, Table


class UserTable(Table):
    columns = (
        Column("username", _("账号")),
        Column("full_name", _("姓名")),
        Column("role_summary", _("角色")),
        Column("is_active", _("启用")),
        Column("last_login", _("最近登录")),
    )
