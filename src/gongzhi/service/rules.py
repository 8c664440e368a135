"""The rules of in-service members and volunteering, each in one place, with its numbers
read from the parameters on the day they apply (``service/params.py``)."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from gongzhi.core import params
from gongzhi.core.calendar import add_months

HUNDREDTH = Decimal("0.01")


# --- 双报到 ------------------------------------------------------------------------------


def confirm_due(confirmed_on: date) -> date:
    """The day a confirmed report must be re-confirmed by (every half year)."""
    return add_months(confirmed_on, params.value("service.reconfirm_months", confirmed_on))


def lapsed(due: date | None, today: date) -> bool:
    """A report whose re-confirmation is past due (the day itself is still in time)."""
    return due is not None and today > due


# --- Pairing (结对联系) ----------------------------------------------------------------


def pairing_shortfall(difficult: int, ordinary: int, on: date) -> tuple[int, int]:
    """How many difficult and ordinary households a member still needs (0, 0 when met)."""
    need_difficult = params.value("service.pair.difficult", on)
    need_ordinary = params.value("service.pair.ordinary", on)
    return max(need_difficult - difficult, 0), max(need_ordinary - ordinary, 0)


def pair_capacity(declared: int | None, on: date) -> int:
    """Households a member may be paired with: their declared capacity, never above the
    parameter."""
    ceiling = params.value("service.pair.capacity", on)
    return min(declared, ceiling) if declared else ceiling


def can_pair(live_pairs: int, declared: int | None, on: date) -> bool:
    return live_pairs < pair_capacity(declared, on)


def leaders_gap(leaders: int, on: date) -> int:
    """Negative when a community has too few county-level leaders linked, positive when
    too many, 0 within 1–2."""
    low = params.value("service.community_leaders_min", on)
    high = params.value("service.community_leaders_max", on)
    if leaders < low:
        return leaders - low
    if leaders > high:
        return leaders - high
    return 0


def units_shortfall(units: int, on: date) -> int:
    return max(params.value("service.community_units", on) - units, 0)


# --- Activities, check-in and hours ------------------------------------------------------


def checkin_window(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    """When a check-in is taken: from a while before the start until the end."""
    before = params.value("service.checkin_before_minutes", starts_at.date())
    return starts_at - timedelta(minutes=before), ends_at


def checkout_window(starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    """When a check-out is taken: from the start until a while after the end; after that
    the line is closed at the activity's end (a forgotten check-out)."""
    after = params.value("service.checkout_after_minutes", ends_at.date())
    return starts_at, ends_at + timedelta(minutes=after)


def in_window(at: datetime, window: tuple[datetime, datetime]) -> bool:
    return window[0] <= at <= window[1]


def served_hours(
    checked_in: datetime, checked_out: datetime, starts_at: datetime, ends_at: datetime
) -> Decimal:
    """Hours from check-in to check-out, counted within the activity's time only (an early
    check-in counts from the start, a late check-out until the end), to the hundredth."""
    begin, end = max(checked_in, starts_at), min(checked_out, ends_at)
    if end <= begin:
        return Decimal(0)
    seconds = Decimal((end - begin).total_seconds())
    return (seconds / 3600).quantize(HUNDREDTH, rounding=ROUND_DOWN)


def activity_hours(starts_at: datetime, ends_at: datetime) -> Decimal:
    return served_hours(starts_at, ends_at, starts_at, ends_at)


def makeup_allowed(hours: Decimal, starts_at: datetime, ends_at: datetime) -> bool:
    """A make-up entry is never longer than the activity (志愿汇 practice)."""
    return Decimal(0) < hours <= activity_hours(starts_at, ends_at)


def wish_hours_allowed(hours: Decimal, on: date) -> bool:
    """Hours logged for fulfilling a micro-wish: more than 0, at most the parameter (8)."""
    return Decimal(0) < hours <= params.value("service.wish_hours_max", on)


def yearly_required(year: int) -> int:
    return params.value("service.yearly_hours", date(year, 12, 31))


def hours_warned(today: date) -> bool:
    """A shortfall of the yearly hours is warned from the third quarter on."""
    return today.month >= params.value("service.hours_warning_month", today)


def progress(total: Decimal, required: int | Decimal) -> int:
    """Percent of the yearly requirement done, 0–100 (a requirement of 0 is met)."""
    if not required:
        return 100
    return min(int(total * 100 / Decimal(required)), 100)


def star_level(total: Decimal, on: date) -> int:
    """0 (none) to 5 stars by the hours served so far."""
    levels = params.value("service.star_levels", on)
    return sum(1 for threshold in levels if total >= threshold)


def next_star(total: Decimal, on: date) -> int | None:
    """Hours at which the next star is reached, None at five stars."""
    for threshold in params.value("service.star_levels", on):
        if total < threshold:
            return int(threshold)
    return None


def theme_day_window(year: int, quarter: int) -> tuple[date, date]:
    """The month the quarterly theme service day falls in (the quarter's last, by the
    parameter): its first and last day."""
    month = (quarter - 1) * 3 + params.value(
        "service.theme_day_month", date(year, (quarter - 1) * 3 + 1, 1)
    )
    first = date(year, month, 1)
    return first, add_months(first, 1) - timedelta(days=1)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


# --- “1+1” and the three-level evaluation ------------------------------------------------


def period_of(day: date) -> tuple[date, date]:
    """The “1+1” period containing ``day`` (quarters by default, from January)."""
    months = params.value("service.one_plus_one_months", day)
    start_month = ((day.month - 1) // months) * months + 1
    start = date(day.year, start_month, 1)
    return start, min(add_months(start, months), date(day.year + 1, 1, 1)) - timedelta(days=1)


def vetoed(shortcomings: Iterable[str]) -> bool:
    """四不一否决: any one of the four shortcomings in a year's rating loses the honours."""
    return any(True for _ in shortcomings)


def unit_deduction(poor: int, rated: int, on: date) -> int:
    """Percent of a unit's yearly assessment score it loses: the parameter when the share
    of its rated members found poor (or vetoed) reaches the threshold, else 0."""
    if not rated:
        return 0
    if poor * 100 >= params.value("service.unit_poor_percent", on) * rated:
        return params.value("service.unit_deduction_percent", on)
    return 0


# --- Three-level evaluation: the year's overall result (ratings) ------------------------

# Grades from best to worst (choices.RatingGrade values).
GRADE_ORDER = ("excellent", "good", "fair", "poor")
LEVELS = ("group", "community", "employer")
VETOED = "vetoed"  # 否决: a 四不 shortcoming found at any level
UNFINISHED = "unfinished"  # not all three levels have rated yet


def overall(grades: dict[str, str], *, vetoed: bool = False) -> str:
    """A member's overall result of the year from the grades of the three levels
    (level → grade): 否决 when any level found a 四不 shortcoming (whatever is still
    missing); else the lowest of the three grades once all three levels have rated;
    else 未完成."""
    if vetoed:
        return VETOED
    given = [grades.get(level) or "" for level in LEVELS]
    if not all(given):
        return UNFINISHED
    return max(given, key=GRADE_ORDER.index)


def poorly_rated(grades: Iterable[str], *, vetoed: bool = False) -> bool:
    """Counted against the member's unit (unit_deduction): vetoed, or graded 差 by any
    level."""
    return vetoed or "poor" in grades
