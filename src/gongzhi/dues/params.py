"""Dues rules as data (关于中国共产党党费收缴、使用和管理的规定, 2008).

Brackets are lists of [upper bound inclusive (yuan) or null for "above", rate]; the whole
base is multiplied by the rate of the bracket it falls in (not progressively).
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongzhi.core.errors import RuleViolation
from gongzhi.core.params import Parameter

SOURCE = _lazy("关于中国共产党党费收缴、使用和管理的规定（2008）")


def validate_brackets(value) -> list[list[str | None]]:
    try:
        rows = [
            [None if upper is None else str(Decimal(str(upper))), str(Decimal(str(rate)))]
            for upper, rate in value
        ]
    except (TypeError, ValueError, InvalidOperation):
        raise RuleViolation(
            _("档次应为[上限, 比例]的列表，最后一档上限为空。"), field="value"
        ) from None
    if not rows or rows[-1][0] is not None or any(r[0] is None for r in rows[:-1]):
        raise RuleViolation(
            _("最后一档的上限须为空（表示“以上”），其余各档须有上限。"), field="value"
        )
    uppers = [Decimal(r[0]) for r in rows[:-1]]
    if uppers != sorted(set(uppers)):
        raise RuleViolation(_("各档上限须递增且不重复。"), field="value")
    if not all(Decimal("0") < Decimal(r[1]) < Decimal("1") for r in rows):
        raise RuleViolation(_("比例须大于0且小于1（如0.005表示0.5%）。"), field="value")
    return rows


def validate_money(value) -> str:
    try:
        amount = Decimal(str(value))
    except (TypeError, ValueError, InvalidOperation):
        raise RuleViolation(_("金额格式不正确。"), field="value") from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise RuleViolation(_("金额须为不小于0、精确到分的数。"), field="value")
    return str(amount)


PARAMETERS = [
    Parameter(
        "dues.brackets.employed",
        [["3000", "0.005"], ["5000", "0.01"], ["10000", "0.015"], [None, "0.02"]],
        _lazy("在职党员党费档次（税后月收入）"),
        SOURCE,
        validator=validate_brackets,
    ),
    Parameter(
        "dues.brackets.retired",
        [["5000", "0.005"], [None, "0.01"]],
        _lazy("离退休党员党费档次（实得离退休费）"),
        SOURCE,
        validator=validate_brackets,
    ),
    Parameter(
        "dues.fixed.low_income",
        "0.20",
        _lazy("学生、下岗失业、依靠救济或低保党员每月党费（元）"),
        SOURCE,
        validator=validate_money,
    ),
    Parameter(
        "dues.farmer.min",
        "0.20",
        _lazy("农民党员每月党费下限（元）"),
        SOURCE,
        validator=validate_money,
    ),
    Parameter(
        "dues.farmer.max",
        "1.00",
        _lazy("农民党员每月党费上限（元）"),
        SOURCE,
        validator=validate_money,
    ),
    Parameter(
        "dues.special_min",
        "1000",
        _lazy("一次性自愿多交党费的起点（元）"),
        SOURCE,
        validator=validate_money,
    ),
    Parameter(
        "dues.arrears_warning_months", 3, _lazy("连续未交党费提醒（月）"), _lazy("本地实践"), 1, 6
    ),
    Parameter(
        "dues.arrears_flag_months",
        6,
        _lazy("连续未交党费视为自行脱党的警示（月）"),
        _lazy("党章第九条"),
        6,
        6,
    ),
    Parameter(
        "dues.redeclare_month", 1, _lazy("每年重新核定计缴基数的月份"), _lazy("本地实践"), 1, 12
    ),
]
