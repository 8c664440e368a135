"""The course import: one course or training of one member per row of an Excel sheet,
all or nothing (``study.import_courses``)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core import pii
from gongzhi.core.imports import Choice, Column, DateValue, DecimalNumber, Importer, RowError, Text

from . import rules, study
from .choices import StudyKind, TrainingLevel

LENGTH_CHOICES = [
    (rules.FULL_DAY, _("全天")),
    (rules.HALF_DAY, _("半天")),
    (rules.HOURS, _("按学时")),
]
KIND_CHOICES = [(k, StudyKind(k).label) for k in study.ENTERED_KINDS]
KIND_ALIASES = {"课程": StudyKind.COURSE, "网络课程": StudyKind.COURSE, "培训": StudyKind.TRAINING}


class CourseImporter(Importer):
    sheet_title = _("学习培训")
    template_filename = _("学习培训导入模板")
    audit_name = "orglife.study.import"
    columns = [
        Column(_("姓名"), "name", Text(50), required=True),
        Column(
            _("身份证号"),
            "id_number",
            Text(20),
            required=True,
            help=_("用于找到党员档案，须在您的管理范围内；请按文本填写。"),
        ),
        Column(_("日期"), "on", DateValue(), required=True, help=_("不能晚于今天。")),
        Column(_("类别"), "kind", Choice(KIND_CHOICES, KIND_ALIASES), required=True),
        Column(_("内容"), "title", Text(200), required=True),
        Column(
            _("时长"),
            "length",
            Choice(LENGTH_CHOICES),
            required=True,
            help=_("全天、半天按规定折算学时（集中培训按每天计），其余按学时填写。"),
        ),
        Column(_("学时"), "hours", DecimalNumber(4, 1), help=_("时长为“按学时”时必填。")),
        Column(_("培训天数"), "days", DecimalNumber(4, 1), help=_("集中培训必填，可为0.5的倍数。")),
        Column(_("举办层级"), "level", Choice(TrainingLevel.choices), help=_("集中培训必填。")),
        Column(_("举办单位"), "organizer", Text(100)),
    ]
    examples = [
        {
            "name": "示例党员",
            "id_number": pii.EXAMPLE_ID_NUMBER,
            "on": "2026-05-01",
            "kind": StudyKind.TRAINING.label,
            "title": "社区党组织书记示范培训班",
            "length": "全天",
            "days": "3",
            "level": TrainingLevel.DISTRICT.label,
            "organizer": "区委组织部",
        }
    ]
    notes = [
        _("任何一行有误时整份文件都不写入；请按错误清单逐一修改后重新导入。"),
        _("已登记的学时不能删除；登记有误的，请在党员的学习台账中登记更正。"),
    ]

    def write(self, rows, *, partial, dry_run, audit_data):
        # Always all or nothing: ``partial`` is not offered for the study ledger.
        outcome = study.import_courses(
            [
                study.CourseRow(
                    ref=row.number,
                    id_number=row["id_number"] or "",
                    name=row["name"] or "",
                    entry=study.Entry(
                        on=row["on"],
                        kind=row["kind"] or "",
                        title=row["title"] or "",
                        length=row["length"] or "",
                        hours=row["hours"],
                        days=row["days"],
                        level=row["level"] or "",
                        organizer=row["organizer"] or "",
                    ),
                    invalid=row.failed,
                )
                for row in rows
            ],
            actor=self.actor,
            dry_run=dry_run,
            audit_data=audit_data,
        )
        headers = {c.key: str(c.header) for c in self.columns}
        headers["members"] = headers["id_number"]
        errors = [
            RowError(ref, headers.get(key, ""), reason) for ref, key, reason in outcome.errors
        ]
        return outcome.written, errors, {"lines": outcome.written}
