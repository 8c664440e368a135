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


def test_add_working_days_into_2027_falls_back_to_weekends_with_a_warning(caplog):
    """No source knows 2027 yet: weekends only, and a visible warning (issue 2)."""
    assert calendar.year_source(2026) == calendar.OFFICIAL
    assert calendar.year_source(2027) == calendar.WEEKENDS
    with caplog.at_level(logging.WARNING, logger="gongzhi.core.calendar"):
        # Mon 28 Dec 2026: 29, 30, 31 Dec, Fri 1 Jan 2027 (unknown year: a weekday), Mon 4 Jan.
        assert calendar.add_working_days(date(2026, 12, 28), 5) == date(2027, 1, 4)
    assert any("2027" in r.getMessage() for r in caplog.records)


def test_admin_table_overrides_and_declares_a_year(world, django_capture_on_commit_callbacks):
    admin = world.users["district_admin"]
    with django_capture_on_commit_callbacks(execute=True):
        services.set_holiday(actor=admin, date=date(2027, 1, 1), is_working_day=False, name="元旦")
    assert calendar.year_source(2027) == calendar.ADMIN
    assert calendar.add_working_days(date(2026, 12, 28), 5) == date(2027, 1, 5)
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
        {"date": "2027-02-06", "is_working_day": "on", "name": "春节调休"},
    )
    assert response.status_code == 302
    assert Holiday.objects.get(date=date(2027, 2, 6)).is_working_day
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


def _sh(*args):
    return datetime(*args, tzinfo=SHANGHAI)


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
