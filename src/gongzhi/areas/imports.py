"""The area-tree import: streets down to units, and households, from one Excel sheet."""

from decimal import Decimal

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from gongzhi.core.imports import Choice, Column, DecimalNumber, Digits, Importer, RowError, Text

from . import services
from .choices import HOUSEHOLD_DIGITS, SEGMENT_DIGITS, HouseholdStatus, Level
from .models import Household

HOUSEHOLD_LABEL = _("户")
LEVEL_CHOICES = [
    *((level, level.label) for level in Level if level >= Level.STREET),
    (services.HOUSEHOLD_LEVEL, HOUSEHOLD_LABEL),
]
LEVEL_ALIASES = {"小区": Level.ESTATE, "院落": Level.ESTATE, "住户": services.HOUSEHOLD_LEVEL}

_EXAMPLE_GRID = "510107001001009"  # 武侯区 … 第9网格: a made-up node, skipped on import
_EXAMPLE_UNIT = _EXAMPLE_GRID + "001" + "001" + "01"  # its estate 1, building 1, unit 1
_DISTRICT = SEGMENT_DIGITS[Level.DISTRICT]
_LONGEST = sum(SEGMENT_DIGITS.values()) + HOUSEHOLD_DIGITS


def _code_help() -> str:
    parts = "、".join(
        str(_("%(level)s%(n)d位") % {"level": level.label, "n": digits})
        for level, digits in SEGMENT_DIGITS.items()
        if level > Level.DISTRICT
    )
    return str(
        _(
            "完整编码 = 上级编码 + 本级数字（%(parts)s、户%(h)d位）；"
            "网格编码为15位（GB/T 30428.1）。"
        )
        % {"parts": parts, "h": HOUSEHOLD_DIGITS}
    )


class AreaImporter(Importer):
    """One row per node. Parents are existing nodes in the user's scope or rows of the
    same file, in any order; the service orders them and writes parents first."""

    sheet_title = _("区域")
    template_filename = _("区域导入模板")
    audit_name = "areas.import"
    columns = [
        Column(
            _("层级"),
            "level",
            Choice(LEVEL_CHOICES, aliases=LEVEL_ALIASES),
            required=True,
        ),
        Column(
            _("编码"),
            "code",
            Digits(_DISTRICT + 3, _LONGEST),
            required=True,
            help=lazy(_code_help, str)(),
        ),
        Column(
            _("名称/门牌号"),
            "name",
            Text(100),
            required=True,
            help=_("区域填名称；户填门牌号（最多20个字），如 501。"),
        ),
        Column(
            _("上级编码"),
            "parent_code",
            Digits(_DISTRICT, _LONGEST),
            required=True,
            help=_("已有区域的编码，或本文件中另一行的编码（顺序不限）。"),
        ),
        Column(
            _("居住状态"),
            "status",
            Choice(HouseholdStatus.choices),
            help=_("仅“户”填写，不填为“自住”。"),
        ),
        Column(
            _("面积(㎡)"),
            "area_m2",
            DecimalNumber(
                Household._meta.get_field("area_m2").max_digits,
                Household._meta.get_field("area_m2").decimal_places,
                Decimal(0),
            ),
            help=_("仅“户”填写，可不填。"),
        ),
    ]
    examples = [
        {
            "level": Level.GRID.label,
            "code": _EXAMPLE_GRID,
            "name": "示例第9网格",
            "parent_code": _EXAMPLE_GRID[:-3],
        },
        {
            "level": HOUSEHOLD_LABEL,
            "code": _EXAMPLE_UNIT + "0901",
            "name": "901",
            "parent_code": _EXAMPLE_UNIT,
            "status": HouseholdStatus.RENTED.label,
            "area_m2": "89.5",
        },
    ]
    notes = [
        _("上级须在您的管理范围内；同一文件中的编码不能重复，也不能与已有编码重复。"),
        _(
            "层级与上级须相符：社区在街道下，网格在社区下，小区/院落在网格下，"
            "楼栋在小区/院落下，单元在楼栋下；户在单元、楼栋或小区/院落下。"
        ),
    ]

    def write(self, rows, *, partial, dry_run, audit_data):
        outcome = services.import_areas(
            [
                services.AreaRow(
                    ref=row.number,
                    level=row["level"],
                    code=row["code"],
                    name=row["name"],
                    parent_code=row["parent_code"],
                    status=row["status"],
                    area_m2=row["area_m2"],
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
        detail = {"areas": outcome.areas, "households": outcome.households}
        return outcome.areas + outcome.households, errors, detail
