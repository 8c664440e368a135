"""How the product writes money, rates and months, on pages and in exports alike:
``¥5,845.87`` (``5,845.87`` in a table's cell), ``1.5%``, ``2026年12月``. Dates and
times follow Django's formats (gongzhi.formats): ``2026-12-06``, ``2026-12-06 18:23``."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

CENT = Decimal("0.01")
DASH = "—"

# Excel number formats of the same kinds (core.exports).
EXCEL_FORMATS = {
    "money": "#,##0.00",
    "rate": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "month": 'yyyy"年"m"月"',
}


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def money_text(value: object, *, symbol: bool = True) -> str:
    """``¥5,845.87`` (``5,845.87`` without the symbol); a dash for no amount."""
    amount = _decimal(value)
    if amount is None:
        return DASH
    text = f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"
    if not symbol:
        return text
    return f"-¥{text[1:]}" if text.startswith("-") else f"¥{text}"


def rate_text(value: object, digits: int = 1) -> str:
    """A rate (a fraction: 0.015) as ``1.5%``, at most ``digits`` decimals, no trailing
    zeros (``1%``, ``98.5%``); a dash for no rate (nothing to count)."""
    rate = _decimal(value)
    if rate is None:
        return DASH
    percent = (rate * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{percent:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def month_text(value: date | None) -> str:
    """A month (any day of it) as ``2026年12月``."""
    if value is None or value == "":
        return DASH
    return f"{value.year}年{value.month}月"


def date_text(value: date | None) -> str:
    """``2026-12-06``; a time as ``2026-12-06 18:23`` in the local time zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def cell_text(value: object, kind: str) -> object:
    """A table cell's value as the page shows it, for a column of ``kind``."""
    if value is None:
        return value
    if kind == "money":
        return money_text(value, symbol=False)
    if kind == "rate":
        return rate_text(value)
    if kind == "month":
        return month_text(value)  # type: ignore[arg-type]
    if kind in ("date", "datetime") or isinstance(value, date):
        return date_text(value)  # type: ignore[arg-type]
    return value
