"""The branch ledger in the layout branches hand in (党费收缴明细表)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from gongzhi.core.display import date_text, money_text
from gongzhi.core.exports import Exporter, write_row

HEADERS = [
    "序号",
    "姓名",
    "党员类别",
    "计缴类别",
    "计缴基数（元）",
    "缴纳比例",
    "应缴金额（元）",
    "实缴金额（元）",
    "缴纳方式",
    "缴纳日期",
    "收款人",
    "备注",
]


class LedgerExporter(Exporter):
    """A branch's month of dues in the layout branches hand in."""

    def __init__(self, organization, month, rows, totals, payments_by_member):
        self.organization, self.month, self.rows = organization, month, rows
        self.totals, self.payments_by_member = totals, payments_by_member
        self.name = f"ledger-{month:%Y%m}"

    def write(self, workbook) -> None:
        organization, month, rows = self.organization, self.month, self.rows
        totals, payments_by_member = self.totals, self.payments_by_member
        sheet = workbook.add_worksheet(f"{month:%Y-%m}")
        title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
        head = workbook.add_format(
            {"bold": True, "border": 1, "bg_color": "#F2F2F2", "align": "center"}
        )
        cell = workbook.add_format({"border": 1})
        bold = workbook.add_format({"border": 1, "bold": True})
        # Base, rate, due and paid as numbers in the money and percent formats.
        kinds = ["", "", "", "", "money", "rate", "money", "money", "", "", "", ""]
        cells = [workbook.kind_format(k, border=1) if k else None for k in kinds]
        bolds = [workbook.kind_format(k, border=1, bold=True) if k else None for k in kinds]
        sheet.merge_range(
            0,
            0,
            0,
            len(HEADERS) - 1,
            _("%(org)s %(y)d年%(m)d月党费收缴明细表")
            % {"org": organization.name, "y": month.year, "m": month.month},
            title,
        )
        write_row(sheet, 1, HEADERS, head)
        for index, width in enumerate([6, 10, 12, 12, 14, 10, 14, 14, 10, 12, 10, 16]):
            sheet.set_column(index, index, width)
        r = 2
        for n, charge in enumerate(rows, start=1):
            member, basis = charge.member, charge.basis
            paid = payments_by_member.get(member.pk, [])
            write_row(
                sheet,
                r,
                [
                    n,
                    member.name,
                    member.get_category_display(),
                    _kind_label(basis.get("kind")),
                    Decimal(basis["base"]) if basis.get("base") else "",
                    Decimal(basis["rate"]) if basis.get("rate") else _("定额"),
                    charge.amount,
                    charge.paid,
                    "、".join(sorted({p.get_method_display() for p in paid})),
                    "、".join(sorted({date_text(p.paid_on) for p in paid})),
                    "、".join(sorted({p.receiver for p in paid})),
                    _("减免") if "reduction" in basis else "",
                ],
                cell,
                cells,
            )
            r += 1
        write_row(
            sheet,
            r,
            [
                "",
                _("合计"),
                "",
                "",
                "",
                "",
                totals.due,
                totals.paid,
                "",
                "",
                "",
                _("未缴%(n)s") % {"n": money_text(totals.missing)},
            ],
            bold,
            bolds,
        )
        write_row(
            sheet,
            r + 1,
            [
                "",
                _("特殊党费"),
                "",
                "",
                "",
                "",
                "",
                totals.special,
                "",
                "",
                "",
                _("一次性自愿多交，不计入党费"),
            ],
            cell,
            cells,
        )
        sheet.write_string(r + 3, 1, _("支部书记：            收款人：            填表日期："))


def _kind_label(kind):
    from .choices import DuesKind

    return dict(DuesKind.choices).get(kind, "")
