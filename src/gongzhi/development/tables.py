from django.utils.translation import gettext_lazy as _

from gongzhi.core.tables import Column, Table


class FileTable(Table):
    """Files as listed and exported: the ID number only masked."""

    columns = (
        Column("name", _("姓名"), link=True),
        Column("sex", _("性别")),
        Column("id_number_masked", _("身份证号")),
        Column("branch", _("党支部"), accessor=lambda f: f.branch.name),
        Column("applied_on", _("申请日期")),
        Column("stage", _("阶段")),
        Column("last_step", _("已完成步骤"), accessor=lambda f: f"{f.last_step}. {f.step_label}"),
        Column("state", _("状态")),
    )
