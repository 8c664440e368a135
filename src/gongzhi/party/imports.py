"""The member import: one member per row of an Excel sheet, into branches in scope."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core import pii
from gongzhi.core.imports import Choice, Column, DateValue, Importer, RowError, Text

from . import services
from .choices import Category, Education, MemberStatus

CATEGORY_ALIASES = {
    "自管": Category.SELF_MANAGED,
    "在职": Category.IN_SERVICE,
    "在职党员": Category.IN_SERVICE,
    "流动": Category.FLOATING,
    "离退休": Category.RETIRED,
    "退休": Category.RETIRED,
    "学生": Category.STUDENT,
    "口袋": Category.POCKET,
}
STATUS_ALIASES = {"预备": MemberStatus.PROBATIONARY, "正式": MemberStatus.FULL}
EDUCATION_ALIASES = {
    "本科": Education.BACHELOR,
    "大专": Education.COLLEGE,
    "专科": Education.COLLEGE,
    "硕士": Education.POSTGRADUATE,
    "博士": Education.POSTGRADUATE,
    "高中": Education.SECONDARY,
    "中专": Education.SECONDARY,
    "初中": Education.JUNIOR,
}


class MemberImporter(Importer):
    """Rows go through services.import_members, which applies the rules of registering
    one member (ID number, age at application, date order, duplicates) to each row."""

    sheet_title = _("党员")
    template_filename = _("党员导入模板")
    audit_name = "party.member.import"
    columns = [
        Column(_("姓名"), "name", Text(50), required=True),
        Column(
            _("身份证号"),
            "id_number",
            Text(20),
            required=True,
            unique=True,
            help=_("18位（末位可为X）或15位，请按文本填写；系统加密保存，只显示脱敏号码。"),
        ),
        Column(_("手机号"), "phone", Text(20)),
        Column(
            _("党员状态"), "status", Choice(MemberStatus.choices, STATUS_ALIASES), required=True
        ),
        Column(
            _("党员类别"), "category", Choice(Category.choices, CATEGORY_ALIASES), required=True
        ),
        Column(
            _("所在党支部"),
            "organization",
            Text(100),
            required=True,
            help=_("党支部名称或编号，须在您的管理范围内；名称重复时请填编号。"),
        ),
        Column(_("申请入党日期"), "applied_on", DateValue()),
        Column(_("入党日期"), "admitted_on", DateValue(), required=True),
        Column(_("转正日期"), "converted_on", DateValue(), help=_("正式党员必填。")),
        Column(_("学历"), "education", Choice(Education.choices, EDUCATION_ALIASES)),
        Column(_("民族"), "ethnicity", Text(20), help=_("不填为汉族。")),
        Column(_("工作单位"), "employer", Text(100)),
        Column(_("单位党组织"), "employer_org", Text(100)),
        Column(_("职务/职业"), "job", Text(50)),
        Column(_("特长技能"), "skills", Text(200), help=_("进入人才库，多项用空格分隔。")),
        Column(_("兴趣爱好"), "hobbies", Text(200)),
        Column(_("设岗定责岗位"), "duty_post", Text(50)),
        Column(_("流动去向"), "floating_whereabouts", Text(100)),
    ]
    examples = [
        {
            "name": "示例党员",
            "id_number": pii.EXAMPLE_ID_NUMBER,
            "phone": "13800000000",
            "status": MemberStatus.FULL.label,
            "category": Category.SELF_MANAGED.label,
            "organization": "示例社区第一党支部",
            "applied_on": "1975-03-01",
            "admitted_on": "1976-07-01",
            "converted_on": "1977-07-01",
            "education": Education.BACHELOR.label,
            "skills": "法律咨询 调解",
        }
    ]
    notes = [
        _("同一身份证号已有在册党员档案的不能重复导入；已迁入的请办理组织关系转接。"),
        _("申请入党时须年满18周岁；入党日期不能早于申请日期，转正日期不能早于入党日期。"),
    ]

    def write(self, rows, *, partial, dry_run, audit_data):
        profile_keys = services.IMPORT_PROFILE
        outcome = services.import_members(
            [
                services.MemberRow(
                    ref=row.number,
                    organization=row["organization"] or "",
                    name=row["name"] or "",
                    id_number=row["id_number"] or "",
                    status=row["status"] or "",
                    category=row["category"] or "",
                    admitted_on=row["admitted_on"],
                    applied_on=row["applied_on"],
                    converted_on=row["converted_on"],
                    profile={key: row[key] for key in profile_keys if row[key]},
                    invalid=row.failed,
                )
                for row in rows
            ],
            actor=self.actor,
            partial=partial,
            dry_run=dry_run,
            audit_data=audit_data,
        )
        headers = {c.key: str(c.header) for c in self.columns}
        errors = [
            RowError(ref, headers.get(key, ""), reason) for ref, key, reason in outcome.errors
        ]
        return outcome.written, errors, {"members": outcome.written}
