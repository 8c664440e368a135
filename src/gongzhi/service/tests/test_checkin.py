"""Check-in and check-out: the windows at their edges, the code, the hours written, the
forgotten check-out closed by the periodic job, and many check-ins at once."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.errors import RuleViolation
from gongzhi.core.testing import race

from .. import activities
from ..activities_testing import at, published, signed_up, volunteer_user
from ..choices import HoursState
from ..models import Hours

START = timezone.make_aware(datetime(2026, 12, 20, 9, 0))
END = START + timedelta(hours=3)


@pytest.fixture
def secretary(world):
    return world.users["secretary"]


@pytest.fixture
def member(world):
    return volunteer_user(world.ours.community, "zy1", "志愿者一")[0]


@pytest.fixture
def activity(world, secretary, member):
    row = published(secretary, world.ours.community, starts_at=START, hours_long=3)
    signed_up(row, member)
    return row


def check_in_at(activity, user, minutes_from_start, code=None):
    with at(START + timedelta(minutes=minutes_from_start)):
        return activities.check_in(activity, actor=user, code=code or activity.code)


def check_out_at(activity, user, moment):
    with at(moment):
        return activities.check_out(activity, actor=user)


# --- The check-in window: opens 30 minutes before the start (parameter), closes at the end ---


def test_check_in_31_minutes_before_the_start_is_refused_with_the_window(activity, member):
    with pytest.raises(RuleViolation) as caught:
        check_in_at(activity, member, -31)
    assert caught.value.field == "checked_in_at"
    assert "08:30" in str(caught.value.message) and "12:00" in str(caught.value.message)
    assert not Hours.objects.exists()


@pytest.mark.parametrize("minutes", [-30, -29, 0, 180])
def test_check_in_within_the_window(activity, member, minutes):
    line = check_in_at(activity, member, minutes)
    assert line.status == HoursState.OPEN and line.hours == 0


def test_check_in_after_the_end_is_refused(activity, member):
    with pytest.raises(RuleViolation):
        check_in_at(activity, member, 181)


def test_a_second_check_in_is_refused_with_the_time_of_the_first(activity, member):
    check_in_at(activity, member, -5)
    with pytest.raises(RuleViolation) as caught:
        check_in_at(activity, member, 10)
    assert caught.value.field == "checked_in_at" and "08:55" in str(caught.value.message)
    assert Hours.objects.count() == 1


def test_a_wrong_code_is_refused(activity, member):
    wrong = f"{(int(activity.code) + 1) % 1000000:06d}"
    with pytest.raises(RuleViolation) as caught:
        check_in_at(activity, member, 0, code=wrong)
    assert caught.value.field == "code"


def test_only_those_with_a_place_check_in(world, secretary, member):
    full = published(secretary, world.ours.community, starts_at=START, capacity=1)
    signed_up(full, member)
    waiting = volunteer_user(world.ours.community, "zy2", "志愿者二")[0]
    signed_up(full, waiting)
    stranger = volunteer_user(world.ours.community, "zy3", "志愿者三")[0]
    with pytest.raises(RuleViolation, match="候补"):
        check_in_at(full, waiting, 0)
    with pytest.raises(RuleViolation, match="未报名"):
        check_in_at(full, stranger, 0)


# --- Check-out: from the start until 60 minutes after the end (parameter) --------------------


def test_check_out_counts_the_hours_within_the_activity_and_verifies(activity, member):
    check_in_at(activity, member, -20)  # counted from the start
    line = check_out_at(activity, member, START + timedelta(hours=2, minutes=15))
    assert line.status == HoursState.VERIFIED and line.hours == Decimal("2.25")
    assert not line.auto_closed


def test_a_late_check_out_counts_until_the_end(activity, member):
    check_in_at(activity, member, 30)
    line = check_out_at(activity, member, END + timedelta(minutes=60))
    assert line.hours == Decimal("2.50")


def test_check_out_edges_and_twice(activity, member):
    check_in_at(activity, member, -10)
    with pytest.raises(RuleViolation) as caught:
        check_out_at(activity, member, START - timedelta(minutes=1))
    assert caught.value.field == "checked_out_at"
    with pytest.raises(RuleViolation):
        check_out_at(activity, member, END + timedelta(minutes=61))
    check_out_at(activity, member, END)
    with pytest.raises(RuleViolation, match="重复签退"):
        check_out_at(activity, member, END + timedelta(minutes=5))


def test_no_check_out_without_a_check_in(activity, member):
    with pytest.raises(RuleViolation, match="尚未签到"):
        check_out_at(activity, member, START + timedelta(hours=1))


# --- The forgotten check-out ---------------------------------------------------------------


def test_a_forgotten_check_out_is_closed_at_the_end_by_the_job(activity, member):
    check_in_at(activity, member, 45)
    # Still within the check-out window: the job leaves it to the volunteer.
    assert activities.close_forgotten(END + timedelta(minutes=60)) == {"closed": 0}
    assert activities.close_forgotten(END + timedelta(minutes=61)) == {"closed": 1}
    line = Hours.objects.get()
    assert line.status == HoursState.VERIFIED and line.auto_closed
    assert line.checked_out_at == END and line.hours == Decimal("2.25")
    assert activities.close_forgotten(END + timedelta(hours=5)) == {"closed": 0}  # idempotent


def test_the_job_is_declared_in_the_manifest():
    from gongzhi.core import modules

    jobs = {job.name: job for job in modules.periodic_jobs()}
    assert modules.run(jobs["service.checkout"]) is activities.close_forgotten


# --- Pages: the QR code's landing, the code typed on 签到 -------------------------------------


def test_the_qr_page_checks_in_with_one_tap_then_out(client_as, activity, member):
    url = reverse("service:activity_checkin", args=[activity.pk]) + f"?c={activity.code}"
    with at(START - timedelta(minutes=10)):
        client = client_as(member)
        html = client.get(url).content.decode()
        assert "data-checkin" in html
        response = client.post(url, {"c": activity.code, "action": "checkin"}, follow=True)
        assert "data-checked-in" in response.content.decode()
    with at(START + timedelta(hours=1)):
        client = client_as(member)  # signed in again: the session went idle meanwhile
        response = client.post(url, {"c": activity.code, "action": "checkout"}, follow=True)
    assert "data-checked-out" in response.content.decode()
    assert Hours.objects.get().hours == Decimal("1.00")


def test_a_refused_check_in_tells_why(client_as, activity, member):
    url = reverse("service:activity_checkin", args=[activity.pk]) + f"?c={activity.code}"
    with at(START - timedelta(hours=2)):
        client = client_as(member)
        response = client.post(url, {"c": activity.code, "action": "checkin"}, follow=True)
    assert "不在签到时间内" in response.content.decode()
    assert not Hours.objects.exists()


def test_typing_the_code_checks_in(client_as, activity, member):
    with at(START):
        client = client_as(member)
        bad = client.post(reverse("service:checkin"), {"code": "12ab56"})
        assert bad.status_code == 400 and "签到码" in bad.content.decode()
        response = client.post(reverse("service:checkin"), {"code": activity.code})
    assert response.status_code == 302
    assert Hours.objects.get().status == HoursState.OPEN


def test_the_screen_is_the_organisers_only(client_as, activity, member, secretary):
    with at(START - timedelta(minutes=40)):
        assert client_as(member).get(
            reverse("service:activity_screen", args=[activity.pk])
        ).status_code in (403, 404)
        html = (
            client_as(secretary)
            .get(reverse("service:activity_screen", args=[activity.pk]))
            .content.decode()
        )
    assert "<svg" in html and "display-1" in html


def test_api_check_in_and_out(client_as, activity, member):
    with at(START):
        client = client_as(member)
        bad = client.post(
            f"/api/v1/service/activities/{activity.pk}/checkin",
            {"code": "000000" if activity.code != "000000" else "111111"},
            content_type="application/json",
        )
        assert bad.status_code == 422 and bad.json()
        done = client.post(
            f"/api/v1/service/activities/{activity.pk}/checkin",
            {"code": activity.code},
            content_type="application/json",
        )
        assert done.status_code == 201 and done.json()["status"] == "open"
        again = client.post(
            f"/api/v1/service/activities/{activity.pk}/checkin",
            {"code": activity.code},
            content_type="application/json",
        )
        assert again.status_code == 422
    with at(END):
        client = client_as(member)
        out = client.post(f"/api/v1/service/activities/{activity.pk}/checkout")
    assert out.status_code == 200 and out.json()["hours"] in ("3.00", 3.0, "3")


# --- Many at once ------------------------------------------------------------------------------


THREADS = 50


@pytest.mark.django_db(transaction=True)
def test_concurrent_check_ins_lose_none_and_double_none(flushable_audit_log):
    """50 volunteers scan at the same moment, each twice, each in a thread with its own
    database connection (a file-backed SQLite, GONGZHI_TEST_DB, or PostgreSQL; SQLite in
    memory refuses a second writer instead of making it wait): one line each, and every
    second scan refused with its reason."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("SQLite in memory: set GONGZHI_TEST_DB, or run on PostgreSQL")
    from gongzhi.core.testing import build_world

    world = build_world()
    secretary = world.users["secretary"]
    now = timezone.now()
    activity = published(
        secretary,
        world.ours.community,
        starts_at=now - timedelta(minutes=5),
        capacity=THREADS,
        hours_long=2,
    )
    users = []
    for i in range(THREADS):
        user = volunteer_user(world.ours.community, f"bf{i}", f"并发{i}")[0]
        signed_up(activity, user, when=now - timedelta(minutes=10))
        users.append(user)
    # Every volunteer scans twice, all at the same moment.
    _done, refused = race(
        lambda user: activities.check_in(activity, actor=user, code=activity.code),
        [user for user in users for _scan in range(2)],
    )
    lines = Hours.objects.filter(activity=activity)
    assert lines.count() == THREADS
    assert lines.values("volunteer").distinct().count() == THREADS
    assert [exc.code for exc in refused] == ["duplicate"] * THREADS
