"""The calendar every deadline is computed with (RULES.md "Demands", "Member development")."""

import logging
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from gongzhi.core import calendar, services
from gongzhi.core.calendar import CALENDAR_DAYS, HOURS, SHANGHAI, WORKING_DAYS
from gongzhi.core.models import Holiday

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 30), True),  # Wednesday before National Day
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),  # last day of the holiday
        (date(2026, 10, 8), True),
        (date(2026, 9, 20), True),  # make-up working Sunday (调休)
        (date(2026, 10, 10), True),  # make-up working Saturday
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 9, 25), False),  # Mid-Autumn Festival, a Friday
    ],
)
def test_official_2026_schedule(day, working):
    assert calendar.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 9, 29), 1, date(2026, 9, 30)),  # the day before the holiday
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # across the whole National Day week
        (date(2026, 10, 1), 1, date(2026, 10, 8)),  # received on a holiday
        (date(2026, 10, 7), 1, date(2026, 10, 8)),  # the last holiday
        (date(2026, 10, 8), 2, date(2026, 10, 10)),  # the make-up Saturday counts
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # the make-up Sunday counts
        (date(2026, 10, 8), 0, date(2026, 10, 8)),
    ],
)
def test_add_working_days_2026(start, days, expected):
    assert calendar.add_working_days(start, days) == expected


# --- Beyond the published schedule: the statutory holidays of the law (ADR 0012) --------------

# chinese_calendar's name of each festival, to check the computation against its data.
PUBLISHED_NAMES = {
    "new_year": "New Year's Day",
    "spring": "Spring Festival",
    "qingming": "Tomb-sweeping Day",
    "labour": "Labour Day",
    "dragon_boat": "Dragon Boat Festival",
    "mid_autumn": "Mid-autumn Festival",
    "national": "National Day",
}


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_law_computed_agrees_with_the_published_schedules(year):
    """Every day the rules compute for a year the State Council has published (the law's
    days and the predicted 补休) is a day off of that festival in chinese_calendar."""
    import chinese_calendar

    days = calendar.statutory_days(year)
    assert len([d for d in days if not d.in_lieu]) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3
    for day in days:
        assert chinese_calendar.get_holiday_detail(day.date) == (
            True,
            PUBLISHED_NAMES[day.festival],
        ), day


# Checked against two independent sources: the lunar dates against lunardate (a table
# from the Hong Kong Observatory's data) and python-holidays' Chinese lunisolar table; the
# Qingming days against lunar_python's own solar terms.
STATUTORY = {
    2027: {
        "new_year": ["2027-01-01"],
        "spring": ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"],  # 除夕 5 Feb
        "qingming": ["2027-04-05"],
        "labour": ["2027-05-01", "2027-05-02"],
        "dragon_boat": ["2027-06-09"],
        "mid_autumn": ["2027-09-15"],
        "national": ["2027-10-01", "2027-10-02", "2027-10-03"],
    },
    2028: {
        "new_year": ["2028-01-01"],
        "spring": ["2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28"],
        "qingming": ["2028-04-04"],
        "labour": ["2028-05-01", "2028-05-02"],
        "dragon_boat": ["2028-05-28"],
        "mid_autumn": ["2028-10-03"],  # the same day as the third day of National Day
        "national": ["2028-10-01", "2028-10-02", "2028-10-03"],
    },
    2029: {
        "new_year": ["2029-01-01"],
        "spring": ["2029-02-12", "2029-02-13", "2029-02-14", "2029-02-15"],
        "qingming": ["2029-04-04"],
        "labour": ["2029-05-01", "2029-05-02"],
        "dragon_boat": ["2029-06-16"],
        "mid_autumn": ["2029-09-22"],
        "national": ["2029-10-01", "2029-10-02", "2029-10-03"],
    },
    2030: {
        "new_year": ["2030-01-01"],
        "spring": ["2030-02-02", "2030-02-03", "2030-02-04", "2030-02-05"],
        "qingming": ["2030-04-05"],
        "labour": ["2030-05-01", "2030-05-02"],
        "dragon_boat": ["2030-06-05"],
        "mid_autumn": ["2030-09-12"],
        "national": ["2030-10-01", "2030-10-02", "2030-10-03"],
    },
}
# The weekday owed for each festival day on a Saturday or Sunday (or on another
# festival): the first weekday after it that is not already off.
IN_LIEU = {
    2027: {
        "spring": ["2027-02-09", "2027-02-10"],  # for 初一 (Sat) and 初二 (Sun)
        "labour": ["2027-05-03", "2027-05-04"],
        "national": ["2027-10-04", "2027-10-05"],
    },
    2028: {
        "new_year": ["2028-01-03"],
        "dragon_boat": ["2028-05-29"],
        "national": ["2028-10-04", "2028-10-05"],  # 1 Oct a Sunday; 3 Oct twice a holiday
    },
    2029: {"dragon_boat": ["2029-06-18"], "mid_autumn": ["2029-09-24"]},
    2030: {"spring": ["2030-02-06", "2030-02-07"]},
}


def _by_festival(days, in_lieu):
    found: dict[str, list[str]] = {}
    for day in days:
        if day.in_lieu is in_lieu:
            found.setdefault(day.festival, []).append(day.date.isoformat())
    return found


@pytest.mark.parametrize("year", sorted(STATUTORY))
def test_the_statutory_days_of_2027_to_2030(year):
    days = calendar.statutory_days(year)
    assert _by_festival(days, in_lieu=False) == STATUTORY[year]
    assert _by_festival(days, in_lieu=True) == IN_LIEU[year]
    assert calendar.year_source(year) == calendar.STATUTORY
    for day in days:
        assert not calendar.is_working_day(day.date), day


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 1, 1), False),  # New Year's Day is a holiday whatever the schedule says
        (date(2027, 1, 4), True),
        (date(2027, 2, 4), True),  # Thursday before 除夕
        (date(2027, 2, 5), False),  # 除夕, a Friday
        (date(2027, 2, 8), False),  # 初三, a Monday
        (date(2027, 2, 9), False),  # 补休 for 初一 on a Saturday
        (date(2027, 2, 10), False),  # 补休 for 初二 on a Sunday
        (date(2027, 2, 11), True),
        (date(2027, 2, 13), False),  # a Saturday: no make-up working day is known
        (date(2027, 4, 5), False),  # 清明
        (date(2027, 6, 9), False),  # 端午, a Wednesday
        (date(2027, 9, 15), False),  # 中秋, a Wednesday
        (date(2027, 10, 6), True),
    ],
)
def test_working_days_of_2027_without_any_administrator(day, working):
    assert calendar.is_working_day(day) is working


def _sh(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def test_a_deadline_across_new_years_day_2027():
    # Thu 31 Dec 2026 (published year), 1 working day: Fri 1 Jan 2027 is New Year's Day,
    # then the weekend: Mon 4 Jan.
    assert calendar.deadline(_sh(2026, 12, 31, 9), 1, WORKING_DAYS) == _sh(2027, 1, 4, 23, 59, 59)
    # Mon 28 Dec 2026 + 5: 29, 30, 31 Dec, (1 Jan off), 4, 5 Jan.
    assert calendar.add_working_days(date(2026, 12, 28), 5) == date(2027, 1, 5)


def test_a_deadline_across_spring_festival_2027():
    # Thu 4 Feb 2027 + 3 working days: 5–8 Feb the festival, 9–10 its 补休, then Thu 11,
    # Fri 12, (the weekend), Mon 15.
    assert calendar.deadline(_sh(2027, 2, 4, 10), 3, WORKING_DAYS) == _sh(2027, 2, 15, 23, 59, 59)
    assert calendar.working_days_between(date(2027, 2, 4), date(2027, 2, 15)) == 3


def test_years_nothing_computes_fall_back_to_weekends_with_a_warning(caplog):
    """After 2100 chinese_calendar has no solar terms: weekends only, logged."""
    assert calendar.year_source(2026) == calendar.OFFICIAL
    assert calendar.year_source(2101) == calendar.WEEKENDS
    assert calendar.statutory_days(2101) == ()
    with caplog.at_level(logging.WARNING, logger="gongzhi.core.calendar"):
        # Fri 31 Dec 2100 + 1: Sat 1 Jan 2101 and Sun are weekend; Mon 3 Jan.
        assert calendar.add_working_days(date(2100, 12, 31), 1) == date(2101, 1, 3)
    assert any("2101" in r.getMessage() for r in caplog.records)
    assert calendar.is_provisional(date(2101, 3, 1))


def test_provisional_deadlines_are_those_of_unconfirmed_computed_years():
    assert calendar.is_provisional(_sh(2027, 1, 4, 23, 59, 59))
    assert calendar.is_provisional(date(2027, 6, 1))
    assert not calendar.is_provisional(_sh(2026, 12, 31, 23, 59, 59))
    # 16:30 UTC on 31 Dec 2026 is already 1 Jan 2027 in Shanghai.
    assert calendar.is_provisional(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert not calendar.is_provisional(None)


def test_admin_table_overrides_every_source(world, django_capture_on_commit_callbacks):
    admin = world.users["district_admin"]
    with django_capture_on_commit_callbacks(execute=True):
        # A make-up working Saturday of 2027, before the year is confirmed.
        services.set_holiday(actor=admin, date=date(2027, 2, 13), is_working_day=True)
    assert calendar.is_working_day(date(2027, 2, 13))
    # An entry does not confirm the year: deadlines in it are still provisional.
    assert calendar.year_source(2027) == calendar.STATUTORY
    # An override also beats the official schedule: a local extra day off.
    with django_capture_on_commit_callbacks(execute=True):
        services.set_holiday(actor=admin, date=date(2026, 10, 8), is_working_day=False, name="本地")
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 9)


def test_only_holiday_managers_may_change_the_table(world):
    from gongzhi.core.errors import NotFoundOrForbidden

    with pytest.raises(NotFoundOrForbidden):
        services.set_holiday(
            actor=world.users["secretary"], date=date(2027, 1, 1), is_working_day=False
        )
    assert not Holiday.objects.exists()


def test_holiday_page(world, client_as):
    client = client_as(world.users["district_admin"])
    response = client.post(
        reverse("core:holiday_list"),
        {"date": "2027-02-20", "is_working_day": "on", "name": "春节调休"},
    )
    assert response.status_code == 302
    assert Holiday.objects.get(date=date(2027, 2, 20)).is_working_day
    assert client_as(world.users["secretary"]).get(reverse("core:holiday_list")).status_code == 403


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
    ],
)
def test_add_months(day, months, expected):
    assert calendar.add_months(day, months) == expected


def test_deadline_hours_run_on_the_clock():
    received = _sh(2026, 10, 1, 9, 30)
    assert calendar.deadline(received, 2, HOURS) == _sh(2026, 10, 1, 11, 30)
    assert calendar.deadline(received, 24, HOURS) == _sh(2026, 10, 2, 9, 30)


def test_deadline_days_skip_the_day_of_receipt_and_end_at_midnight():
    # 23:30 on 30 Sep in Shanghai is 15:30 UTC the same day: the local date decides.
    received = datetime(2026, 9, 30, 15, 30, tzinfo=UTC)
    assert calendar.deadline(received, 1, WORKING_DAYS) == _sh(2026, 10, 8, 23, 59, 59)
    assert calendar.deadline(received, 1, CALENDAR_DAYS) == _sh(2026, 10, 1, 23, 59, 59)
    # 16:30 UTC on 30 Sep is already 1 Oct (a holiday) in Shanghai.
    # Seven working days: 8, 9, 10 (make-up Saturday), 12, 13, 14, 15 October.
    on_holiday = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)
    assert calendar.deadline(on_holiday, 7, WORKING_DAYS) == _sh(2026, 10, 15, 23, 59, 59)


def test_deadline_refuses_naive_times_and_unknown_units():
    with pytest.raises(ValueError):
        calendar.deadline(datetime(2026, 10, 1, 9, 0), 1, HOURS)  # noqa: DTZ001
    with pytest.raises(ValueError):
        calendar.deadline(_sh(2026, 10, 1, 9), 1, "weeks")
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 10, 1), -1)


@time_machine.travel("2026-12-06 23:30 +0800", tick=False)
def test_a_date_that_has_happened_is_never_in_the_future():
    """One rule (core.calendar.require_happened) for every "happened on" date: today is
    accepted, tomorrow refused with the field named (Shanghai's date, not UTC's)."""
    from gongzhi.core.calendar import require_happened
    from gongzhi.core.errors import RuleViolation

    require_happened(date(2026, 12, 6), field="paid_on")
    require_happened(None, field="paid_on")
    with pytest.raises(RuleViolation) as exc:
        require_happened(date(2026, 12, 7), field="paid_on")
    assert exc.value.field == "paid_on" and "2026-12-07" in str(exc.value.message)


@pytest.mark.django_db
@time_machine.travel("2026-12-06 10:00 +0800", tick=False)
def test_arrival_move_in_and_payment_dates_are_refused_in_the_future(world, party):
    from gongzhi.core.errors import RuleViolation
    from gongzhi.residents import services as residents

    household = world.ours.households[0]
    admin = world.users["superuser"]
    for name in ("arrived_on", "moved_in_on"):
        with pytest.raises(RuleViolation) as exc:
            residents.register_resident(
                household=household,
                actor=admin,
                name="未来人",
                id_number="11010519491231002X",
                relation="spouse",
                **{name: date(2026, 12, 7)},
            )
        assert exc.value.field == name
