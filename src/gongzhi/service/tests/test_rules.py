"""The numbers of in-service members and volunteering (service/rules.py), pinned at, just
before and just after each threshold, and read on the day they apply."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.core import params
from gongzhi.core.errors import RuleViolation
from gongzhi.core.models import ParameterValue
from gongzhi.service import rules

pytestmark = pytest.mark.django_db

D = Decimal
TZ = timezone.get_current_timezone()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 9, day, hour, minute, tzinfo=TZ)


def set_param(key, value, effective_from=date(2000, 1, 1)):
    ParameterValue.objects.create(key=key, value=value, effective_from=effective_from)
    params._OVERRIDES.forget()


# --- 双报到 --------------------------------------------------------------------------------


def test_a_report_is_reconfirmed_every_half_year():
    assert rules.confirm_due(date(2026, 1, 15)) == date(2026, 7, 15)
    assert rules.confirm_due(date(2026, 8, 31)) == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("today", "lapsed"),
    [(date(2026, 7, 14), False), (date(2026, 7, 15), False), (date(2026, 7, 16), True)],
)
def test_a_report_lapses_the_day_after_its_due_date(today, lapsed):
    assert rules.lapsed(date(2026, 7, 15), today) is lapsed
    assert rules.lapsed(None, today) is False


def test_the_reconfirmation_interval_follows_its_effective_date():
    set_param("service.reconfirm_months", 3, effective_from=date(2026, 3, 1))
    assert rules.confirm_due(date(2026, 2, 28)) == date(2026, 8, 28)
    assert rules.confirm_due(date(2026, 3, 1)) == date(2026, 6, 1)


# --- Pairing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("difficult", "ordinary", "short"),
    [(0, 0, (1, 1)), (1, 0, (0, 1)), (0, 1, (1, 0)), (1, 1, (0, 0)), (2, 3, (0, 0))],
)
def test_one_difficult_and_at_least_one_ordinary_household(difficult, ordinary, short):
    assert rules.pairing_shortfall(difficult, ordinary, date(2026, 6, 1)) == short


@pytest.mark.parametrize(("live", "allowed"), [(2, True), (3, False), (4, False)])
def test_a_member_is_paired_up_to_their_declared_capacity(live, allowed):
    assert rules.can_pair(live, 3, date(2026, 6, 1)) is allowed


@pytest.mark.parametrize(("live", "allowed"), [(4, True), (5, False), (6, False)])
def test_the_capacity_never_exceeds_the_parameter(live, allowed):
    assert rules.pair_capacity(9, date(2026, 6, 1)) == 5
    assert rules.can_pair(live, 9, date(2026, 6, 1)) is allowed
    assert rules.can_pair(live, None, date(2026, 6, 1)) is allowed


@pytest.mark.parametrize(("leaders", "gap"), [(0, -1), (1, 0), (2, 0), (3, 1)])
def test_one_or_two_county_level_leaders_per_community(leaders, gap):
    assert rules.leaders_gap(leaders, date(2026, 6, 1)) == gap


@pytest.mark.parametrize(("units", "short"), [(5, 1), (6, 0), (7, 0)])
def test_about_six_organ_units_per_community(units, short):
    assert rules.units_shortfall(units, date(2026, 6, 1)) == short


# --- Check-in, check-out and hours -----------------------------------------------------------

START, END = at(20, 9), at(20, 11, 30)


@pytest.mark.parametrize(
    ("when", "inside"),
    [
        (START - timedelta(minutes=31), False),
        (START - timedelta(minutes=30), True),
        (START - timedelta(minutes=29), True),
        (END, True),
        (END + timedelta(seconds=1), False),
    ],
)
def test_check_in_opens_thirty_minutes_before_and_closes_at_the_end(when, inside):
    assert rules.in_window(when, rules.checkin_window(START, END)) is inside


@pytest.mark.parametrize(
    ("when", "inside"),
    [
        (START - timedelta(seconds=1), False),
        (START, True),
        (END + timedelta(minutes=60), True),
        (END + timedelta(minutes=61), False),
    ],
)
def test_check_out_is_taken_until_an_hour_after_the_end(when, inside):
    assert rules.in_window(when, rules.checkout_window(START, END)) is inside


def test_hours_count_within_the_activity_only():
    assert rules.activity_hours(START, END) == D("2.50")
    # An early check-in counts from the start, a late check-out until the end.
    assert rules.served_hours(
        START - timedelta(minutes=20), END + timedelta(minutes=40), START, END
    ) == D("2.50")
    assert rules.served_hours(at(20, 9, 10), at(20, 10, 0), START, END) == D("0.83")
    assert rules.served_hours(at(20, 10), at(20, 9), START, END) == D("0")


@pytest.mark.parametrize(
    ("hours", "allowed"),
    [(D("0"), False), (D("0.01"), True), (D("2.49"), True), (D("2.50"), True), (D("2.51"), False)],
)
def test_a_make_up_entry_is_never_longer_than_the_activity(hours, allowed):
    assert rules.makeup_allowed(hours, START, END) is allowed


@pytest.mark.parametrize(
    ("today", "warned"),
    [(date(2026, 6, 30), False), (date(2026, 7, 1), True), (date(2026, 12, 31), True)],
)
def test_the_yearly_hours_are_warned_from_the_third_quarter(today, warned):
    assert rules.hours_warned(today) is warned


@pytest.mark.parametrize(
    ("total", "percent"),
    [(D("0"), 0), (D("8"), 50), (D("15.99"), 99), (D("16"), 100), (D("30"), 100)],
)
def test_progress_towards_sixteen_hours(total, percent):
    assert rules.yearly_required(2026) == 16
    assert rules.progress(total, rules.yearly_required(2026)) == percent
    assert rules.progress(total, 0) == 100


@pytest.mark.parametrize(
    ("total", "stars", "next_at"),
    [
        (D("0"), 0, 100),
        (D("99.99"), 0, 100),
        (D("100"), 1, 300),
        (D("299.99"), 1, 300),
        (D("300"), 2, 600),
        (D("600"), 3, 1000),
        (D("1000"), 4, 1500),
        (D("1499.99"), 4, 1500),
        (D("1500"), 5, None),
    ],
)
def test_star_levels_at_100_300_600_1000_1500_hours(total, stars, next_at):
    assert rules.star_level(total, date(2026, 6, 1)) == stars
    assert rules.next_star(total, date(2026, 6, 1)) == next_at


@pytest.mark.parametrize(
    "bad", [[100, 300, 600, 1000], [100, 300, 300, 1000, 1500], [0, 1, 2, 3, 4], "x"]
)
def test_star_levels_must_be_five_increasing_numbers(bad):
    with pytest.raises(RuleViolation):
        params.registry()["service.star_levels"].check(bad)


def test_the_theme_service_day_falls_in_the_quarters_last_month():
    assert rules.theme_day_window(2026, 1) == (date(2026, 3, 1), date(2026, 3, 31))
    assert rules.theme_day_window(2026, 4) == (date(2026, 12, 1), date(2026, 12, 31))
    assert [rules.quarter_of(date(2026, m, 1)) for m in (1, 3, 4, 6, 7, 10, 12)] == [
        1,
        1,
        2,
        2,
        3,
        4,
        4,
    ]


# --- “1+1” and the three-level evaluation ---------------------------------------------------


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (date(2026, 3, 31), (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 4, 1), (date(2026, 4, 1), date(2026, 6, 30))),
        (date(2026, 12, 31), (date(2026, 10, 1), date(2026, 12, 31))),
    ],
)
def test_one_plus_one_is_counted_per_quarter(day, period):
    assert rules.period_of(day) == period


def test_any_one_of_the_four_shortcomings_vetoes_the_year():
    assert rules.vetoed([]) is False
    assert rules.vetoed(["not_trying"]) is True


@pytest.mark.parametrize(("poor", "deduction"), [(19, 0), (20, 10), (21, 10)])
def test_a_unit_loses_a_share_when_a_fifth_of_its_members_are_poorly_rated(poor, deduction):
    assert rules.unit_deduction(poor, 100, date(2026, 12, 1)) == deduction
    assert rules.unit_deduction(0, 0, date(2026, 12, 1)) == 0
