"""Hours written by hand: make-up entries at the activity's length, the organiser's
decisions in bulk, corrections that never delete and never go below zero."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import Notification

from .. import hours
from ..activities_testing import at, published, served, signed_up, volunteer_user
from ..choices import HoursSource, HoursState
from ..models import Hours

START = timezone.make_aware(datetime(2026, 11, 20, 9, 0))
AFTER = START + timedelta(days=1)


@pytest.fixture
def secretary(world):
    return world.users["secretary"]


@pytest.fixture
def people(world):
    return [volunteer_user(world.ours.community, f"zy{i}", f"志愿者{i}")[0] for i in range(3)]


@pytest.fixture
def activity(world, secretary, people):
    row = published(secretary, world.ours.community, starts_at=START, hours_long=2.5)
    for p in people:
        signed_up(row, p)
    return row


def makeup(activity, user, amount, **kw):
    with at(AFTER):
        return hours.enter_makeup(
            actor=user,
            activity=activity,
            served_on=kw.pop("served_on", START.date()),
            hours=amount,
            reason=kw.pop("reason", "手机没电，忘记签到"),
            **kw,
        )


# --- Make-up: never longer than the activity -------------------------------------------------


def test_a_make_up_of_the_activitys_length_waits_for_the_organiser(activity, people, secretary):
    line = makeup(activity, people[0], "2.50")
    assert line.status == HoursState.PENDING and line.source == HoursSource.MANUAL
    assert line.hours == Decimal("2.50")
    told = Notification.objects.filter(user=secretary).last()
    assert "待审核补录" in told.title


def test_a_make_up_longer_by_a_hundredth_is_refused(activity, people):
    with pytest.raises(RuleViolation) as caught:
        makeup(activity, people[0], "2.51")
    assert caught.value.field == "hours" and "2.50" in str(caught.value.message)
    assert not Hours.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-1", "1.234", "abc"])
def test_a_make_up_of_no_time_or_a_bad_number_is_refused(activity, people, amount):
    with pytest.raises(RuleViolation) as caught:
        makeup(activity, people[0], amount)
    assert caught.value.field == "hours"


def test_every_error_of_a_make_up_at_once(activity, people):
    with pytest.raises(RuleViolations) as caught:
        makeup(activity, people[0], "3", served_on=START.date() + timedelta(days=3), reason="")
    assert {e.field for e in caught.value.errors} == {"hours", "served_on", "reason"}


def test_no_make_up_beside_a_check_in_nor_twice(activity, people):
    served(activity, people[0])
    with pytest.raises(RuleViolation, match="已有签到记录"):
        makeup(activity, people[0], "1")
    makeup(activity, people[1], "1")
    with pytest.raises(RuleViolation, match="已有补录记录"):
        makeup(activity, people[1], "1")


def test_the_organiser_enters_a_make_up_for_a_volunteer(activity, people, secretary):
    line = makeup(activity, secretary, "2", volunteer=people[2].volunteer)
    assert line.volunteer == people[2].volunteer and line.created_by == secretary


def test_a_member_cannot_enter_for_another(activity, people):
    with pytest.raises(NotFoundOrForbidden):
        makeup(activity, people[0], "2", volunteer=people[1].volunteer)


# --- Decisions in bulk -----------------------------------------------------------------------


def test_approve_many_at_once_and_each_is_told(activity, people, secretary):
    lines = [makeup(activity, p, "1.5") for p in people]
    Notification.objects.all().delete()
    done = hours.decide(lines, actor=secretary, approve=True)
    assert done.approved == 3
    assert set(Hours.objects.values_list("status", flat=True)) == {HoursState.APPROVED}
    assert set(Notification.objects.values_list("user_id", flat=True)) == {p.pk for p in people}
    with pytest.raises(RuleViolation):  # decided already
        hours.decide(lines[:1], actor=secretary, approve=False, reason="重复")


def test_a_decline_needs_a_reason(activity, people, secretary):
    line = makeup(activity, people[0], "1")
    with pytest.raises(RuleViolation) as caught:
        hours.decide([line], actor=secretary, approve=False, reason=" ")
    assert caught.value.field == "reason"
    hours.decide([line], actor=secretary, approve=False, reason="当天未到场")
    line.refresh_from_db()
    assert line.status == HoursState.DECLINED and line.decline_reason == "当天未到场"


def test_the_pending_page_decides_the_ticked_lines(client_as, activity, people, secretary):
    lines = [makeup(activity, p, "1") for p in people]
    client = client_as(secretary)
    page = client.get(reverse("service:hours_pending")).content.decode()
    assert all(f'value="{line.pk}"' in page for line in lines)
    refused = client.post(
        reverse("service:hours_pending"),
        {"lines": [lines[0].pk, lines[1].pk], "decision": "decline", "reason": ""},
    )
    assert refused.status_code == 400 and "不通过须填写理由" in refused.content.decode()
    assert f'value="{lines[0].pk}" id="line-{lines[0].pk}" aria-label="选择" checked' in (
        refused.content.decode()
    )
    ok = client.post(
        reverse("service:hours_pending"),
        {"lines": [lines[0].pk, lines[1].pk], "decision": "approve"},
    )
    assert ok.status_code == 302
    statuses = dict(Hours.objects.values_list("pk", "status"))
    assert [statuses[line.pk] for line in lines] == ["approved", "approved", "pending"]


def test_the_make_up_page_of_a_volunteer(client_as, activity, people):
    with at(AFTER):
        client = client_as(people[0])
        page = client.get(reverse("service:hours_makeup"))
        assert page.status_code == 200 and "volunteer" not in page.context["form"].fields
        response = client.post(
            reverse("service:hours_makeup"),
            {"activity": activity.pk, "served_on": "2026-11-20", "hours": "9", "reason": "忘记"},
        )
        assert response.status_code == 400 and "不超过活动时长" in response.content.decode()
        response = client.post(
            reverse("service:hours_makeup"),
            {"activity": activity.pk, "served_on": "2026-11-20", "hours": "2", "reason": "忘记"},
        )
    assert response.status_code == 302
    assert Hours.objects.get().status == HoursState.PENDING


# --- Corrections: never delete, never below zero --------------------------------------------


def test_a_correction_is_a_new_line_with_the_signed_difference(activity, people, secretary):
    line = served(activity, people[0])
    assert line.hours == Decimal("2.50")
    with at(AFTER):
        fix = hours.correct(line, actor=secretary, difference="-0.5", reason="提前离场")
    assert fix.source == HoursSource.CORRECTION and fix.corrects == line
    assert fix.hours == Decimal("-0.50") and fix.status == HoursState.APPROVED
    assert hours.line_total(line) == Decimal("2.00")
    assert Hours.objects.count() == 2


def test_a_correction_never_takes_the_line_below_zero(activity, people, secretary):
    line = served(activity, people[0])
    with at(AFTER):
        hours.correct(line, actor=secretary, difference="-2.5", reason="未实际参加")
        with pytest.raises(RuleViolation) as caught:
            hours.correct(line, actor=secretary, difference="-0.01", reason="再减")
    assert caught.value.field == "difference"
    assert hours.line_total(line) == Decimal("0")


def test_a_correction_needs_a_reason_and_a_counted_line(activity, people, secretary):
    line = served(activity, people[0])
    with pytest.raises(RuleViolations) as caught:
        hours.correct(line, actor=secretary, difference="0", reason="")
    assert {e.field for e in caught.value.errors} == {"difference", "reason"}
    pending = makeup(activity, people[1], "1")
    with pytest.raises(RuleViolation, match="只能更正"):
        hours.correct(pending, actor=secretary, difference="1", reason="多计")


def test_a_member_cannot_correct(activity, people):
    line = served(activity, people[0])
    with pytest.raises(NotFoundOrForbidden):
        hours.correct(line, actor=people[0], difference="1", reason="多计")


def test_the_correction_page(client_as, activity, people, secretary):
    line = served(activity, people[0])
    client = client_as(secretary)
    url = reverse("service:hours_correct", args=[line.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"difference": "-3", "reason": "多计"})
    assert bad.status_code == 400 and "不能小于0" in bad.content.decode()
    assert client.post(url, {"difference": "-1", "reason": "多计"}).status_code == 302
    assert hours.line_total(line) == Decimal("1.50")


def test_api_make_up_and_decide(client, client_as, activity, people, secretary):
    from gongzhi.core.testing import api_key

    with at(AFTER):
        member = client_as(people[0])
        made = member.post(
            "/api/v1/service/hours/makeup",
            {"activity_id": activity.pk, "served_on": "2026-11-20", "hours": "2.6", "reason": "忘"},
            content_type="application/json",
        )
        assert made.status_code == 422 and made.json()
        made = member.post(
            "/api/v1/service/hours/makeup",
            {"activity_id": activity.pk, "served_on": "2026-11-20", "hours": "2.5", "reason": "忘"},
            content_type="application/json",
        )
        assert made.status_code == 201
        headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key(secretary)}"}
        decided = client.post(
            "/api/v1/service/hours/decide",
            {"hours_ids": [made.json()["id"]], "approve": False},
            content_type="application/json",
            **headers,
        )
        assert decided.status_code == 422
        decided = client.post(
            "/api/v1/service/hours/decide",
            {"hours_ids": [made.json()["id"]], "approve": True},
            content_type="application/json",
            **headers,
        )
    assert decided.status_code == 200 and decided.json() == {"approved": 1, "declined": 0}
