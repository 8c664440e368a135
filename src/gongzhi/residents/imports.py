"""The census import (入户清查): one row per person, in the layout door-to-door
enumerators fill in; households must exist in the user's scope."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core import pii
from gongzhi.core.imports import Choice, Column, DateValue, Importer, RowError, Text, YesNo

from . import services
from .choices import PermitStatus, PoliticalStatus, Relation

RELATION_ALIASES = {
    "本人": Relation.HEAD,
    "妻": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
}
POLITICAL_ALIASES = {
    "党员": PoliticalStatus.MEMBER,
    "预备党员": PoliticalStatus.PROBATIONARY,
    "团员": PoliticalStatus.LEAGUE,
    "民主党派人士": PoliticalStatus.DEMOCRATIC,
}
ADDRESS_KEYS = ("community", "grid", "estate", "building", "unit", "door")
PROFILE_KEYS = (
    "phone",
    "ethnicity",
    "political_status",
    "registered_address",
    "floating",
    "origin",
    "work_or_school",
    "arrived_on",
    "permit",
    "moved_in_on",
)


def _handed_over(rows: list):
    """Each parsed row once, dropped from ``rows`` as it goes to the service (the import
    never reads it again): 100,000 parsed rows and their checked copies would otherwise
    be in memory together."""
    for i, row in enumerate(rows):
        rows[i] = None
        yield row


class ResidentImporter(Importer):
    """Rows go through services.register_residents: the rules of registering one
    resident (ID checksum, one present record per ID, household in scope) for each row,
    checked against bulk-loaded sets."""

    sheet_title = _("居民")
    template_filename = _("入户清查导入模板")
    audit_name = "residents.resident.import"
    columns = [
        Column(_("社区"), "community", Text(100), required=True),
        Column(_("网格"), "grid", Text(100), required=True),
        Column(_("小区/院落"), "estate", Text(100), required=True),
        Column(_("楼栋"), "building", Text(100), help=_("平房院落可不填。")),
        Column(_("单元"), "unit", Text(100), help=_("无单元的楼栋不填。")),
        Column(_("门牌号"), "door", Text(20), required=True, help=_("如 501。")),
        Column(_("姓名"), "name", Text(50), required=True),
        Column(
            _("身份证号"),
            "id_number",
            Text(20),
            required=True,
            unique=True,
            help=_("18位（末位可为X）或15位，请按文本填写；系统加密保存，只显示脱敏号码。"),
        ),
        Column(_("联系电话"), "phone", Text(20)),
        Column(
            _("与户主关系"),
            "relation",
            Choice(Relation.choices, RELATION_ALIASES),
            required=True,
        ),
        Column(_("民族"), "ethnicity", Text(20), default="汉族", help=_("不填为汉族。")),
        Column(
            _("政治面貌"),
            "political_status",
            Choice(PoliticalStatus.choices, POLITICAL_ALIASES),
            default=PoliticalStatus.MASSES,
        ),
        Column(_("户籍地址"), "registered_address", Text(200)),
        Column(_("是否流动人口"), "floating", YesNo(), default=False),
        Column(_("来源地"), "origin", Text(100), help=_("流动人口必填。")),
        Column(_("工作单位/学校"), "work_or_school", Text(100)),
        Column(_("来本地日期"), "arrived_on", DateValue()),
        Column(_("居住证"), "permit", Choice(PermitStatus.choices), default=PermitStatus.NONE),
        Column(_("迁入日期"), "moved_in_on", DateValue()),
        Column(
            _("关爱标签"),
            "tags",
            Text(200),
            help=_("系统中已启用的标签名称，多个用顿号“、”分隔，如：老党员、空巢老人。"),
        ),
    ]
    examples = [
        {
            "community": "示例社区",
            "grid": "第1网格",
            "estate": "示例花园",
            "building": "3栋",
            "unit": "2单元",
            "door": "501",
            "name": "示例居民",
            "id_number": pii.EXAMPLE_ID_NUMBER,
            "phone": "13800000000",
            "relation": Relation.HEAD.label,
            "ethnicity": "汉族",
            "political_status": PoliticalStatus.MASSES.label,
            "registered_address": "四川省成都市武侯区示例路1号",
            "floating": "否",
        }
    ]
    notes = [
        _(
            "社区、网格、小区/院落、楼栋、单元、门牌号须与系统中的住户一致，且在您的管理范围内；"
            "住户须先在“区域导入”中建好。"
        ),
        _("同一身份证号在本区只能有一条在住记录；已登记的居民换户请办理户间变动。"),
    ]

    def write(self, rows, *, partial, dry_run, audit_data):
        keys = [c.key for c in self.columns]
        outcome = services.register_residents(
            (
                services.ResidentRow(
                    ref=row.number,
                    name=row["name"] or "",
                    id_number=row["id_number"] or "",
                    relation=row["relation"] or "",
                    address=None
                    if any(key not in row.values for key in ADDRESS_KEYS)
                    else services.household_key(*(row[key] for key in ADDRESS_KEYS)),
                    profile={
                        key: row[key]
                        for key in PROFILE_KEYS
                        if row[key] is not None and row[key] != ""
                    },
                    tags=tuple(
                        t.strip()
                        for t in (row["tags"] or "")
                        .replace(",", "、")
                        .replace("，", "、")
                        .split("、")
                        if t.strip()
                    ),
                    invalid=row.failed,
                    # A cell that failed to parse is missing from the row's values.
                    skip=frozenset(key for key in keys if key not in row.values)
                    if row.failed
                    else frozenset(),
                )
                for row in _handed_over(rows)
            ),
            actor=self.actor,
            partial=partial,
            dry_run=dry_run,
            audit_data=audit_data,
        )
        headers = {c.key: str(c.header) for c in self.columns}
        headers["household"] = str(_("门牌号"))
        errors = [
            RowError(ref, headers.get(key, ""), reason) for ref, key, reason in outcome.errors
        ]
        return (
            outcome.written,
            errors,
            {"residents": outcome.written, "households": outcome.households},
        )
