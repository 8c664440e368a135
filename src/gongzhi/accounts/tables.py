from django.utils.translation import gettext_lazy as _

from gongzhi.core.tables import Column, Table


def _status(user):
    return _("启用") if user.is_active else _("停用")


class UserTable(Table):
    columns = (
        Column("username", _("账号"), link=True),
        Column("full_name", _("姓名")),
        # Shown masked on the page and in the export: the list needs no full number.
        Column("masked_phone", _("手机号")),
        Column("role_summary", _("角色")),
        Column("is_active", _("状态"), accessor=_status),
        Column("last_login", _("最近登录")),
    )
