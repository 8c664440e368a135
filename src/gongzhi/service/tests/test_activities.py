"""Volunteer activities: the workflow, the code, sign-up with capacity and the waiting
list, residents, notices; the pages and the API of the organiser."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import Notification
from gongzhi.core.testing import api_key, make_user

from .. import activities
from ..activities_testing import at, published, signed_up, volunteer, volunteer_user
from ..choices import ActivityState, SignUpState
from ..models import Activity, SignUp

START = timezone.make_aware(datetime(2026, 12, 20, 9, 0))


@pytest.fixture
def secretary(world):
    return world.users["secretary"]


@pytest.fixture
def people(world):
    """Five volunteers with accounts in our community."""
    return [volunteer_user(world.ours.community, f"zy{i}", f"志愿者{i}")[0] for i in range(5)]


def fields(**kw):
    values = {
        "title": "敬老院慰问",
        "place": "幸福敬老院",
        "starts_at": START,
        "ends_at": START + timedelta(hours=3),
        "capacity": 2,
    }
    values.update(kw)
    return activities.Fields(**values)


# --- Creating and the workflow -------------------------------------------------------------


def test_create_publish_draws_a_six_digit_code_and_tells_the_team(world, secretary, people):
    squad = activities_team(world)
    squad.members.add(*(p.volunteer for p in people[:2]))
    with at(START - timedelta(days=2)):
        activity = activities.create_activity(
            actor=secretary, community=world.ours.community, fields=fields(team=squad)
        )
        assert activity.status == ActivityState.DRAFT and activity.code == ""
        activity = activities.publish_activity(activity, actor=secretary, version=activity.version)
    assert activity.status == ActivityState.PUBLISHED
    assert len(activity.code) == 6 and activity.code.isdigit()
    told = Notification.objects.filter(kind="service.activity")
    assert {n.user_id for n in told} == {people[0].pk, people[1].pk}


def activities_team(world):
    from ..activities_testing import team

    return team(world.ours.community, "和顺志愿服务队")


def test_every_error_of_the_fields_at_once(world, secretary):
    with pytest.raises(RuleViolations) as caught:
        activities.create_activity(
            actor=secretary,
            community=world.ours.community,
            fields=fields(title=" ", place="", ends_at=START, capacity=0),
        )
    assert {e.field for e in caught.value.errors} == {"title", "place", "ends_at", "capacity"}
    assert not Activity.objects.exists()


def test_a_team_of_another_community_is_refused(world, secretary):
    from ..activities_testing import team

    other = team(world.sibling.community, "邻里服务队")
    with pytest.raises(RuleViolation) as caught:
        activities.create_activity(
            actor=secretary, community=world.ours.community, fields=fields(team=other)
        )
    assert caught.value.field == "team"


def test_a_grid_worker_cannot_organise_nor_reach_the_sibling(world):
    with pytest.raises(NotFoundOrForbidden):
        activities.create_activity(
            actor=world.users["grid_worker"], community=world.ours.community, fields=fields()
        )
    with pytest.raises(NotFoundOrForbidden):
        activities.create_activity(
            actor=world.users["secretary"], community=world.sibling.community, fields=fields()
        )


def test_cancel_needs_a_reason_and_tells_those_signed_up(world, secretary, people):
    activity = published(secretary, world.ours.community, starts_at=START, capacity=1)
    signed_up(activity, people[0])
    signed_up(activity, people[1])  # waiting
    Notification.objects.all().delete()
    with at(START - timedelta(hours=2)):
        with pytest.raises(RuleViolation) as caught:
            activities.cancel_activity(activity, actor=secretary, version=None, reason=" ")
        assert caught.value.field == "reason"
        activities.cancel_activity(activity, actor=secretary, version=None, reason="暴雨预警")
    activity.refresh_from_db()
    assert activity.status == ActivityState.CANCELLED
    assert set(Notification.objects.values_list("user_id", flat=True)) == {
        people[0].pk,
        people[1].pk,
    }


def test_capacity_never_drops_below_those_confirmed(world, secretary, people):
    activity = published(secretary, world.ours.community, starts_at=START, capacity=3)
    for p in people[:3]:
        signed_up(activity, p)
    with at(START - timedelta(hours=2)), pytest.raises(RuleViolation) as caught:
        activities.update_activity(
            activity, actor=secretary, version=activity.version, fields=fields(capacity=2)
        )
    assert caught.value.field == "capacity"


# --- Sign-up and the waiting list -------------------------------------------------------------


def test_capacity_full_goes_to_the_waiting_list_in_order(world, secretary, people):
    activity = published(secretary, world.ours.community, starts_at=START, capacity=2)
    rows = [signed_up(activity, p) for p in people[:4]]
    assert [r.status for r in rows] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [r.position for r in rows] == [None, None, 1, 2]
    with pytest.raises(RuleViolation):  # twice
        signed_up(activity, people[0])


def test_a_cancelled_place_goes_to_the_first_waiting_who_is_told(world, secretary, people):
    activity = published(secretary, world.ours.community, starts_at=START, capacity=2)
    rows = [signed_up(activity, p) for p in people[:4]]
    Notification.objects.all().delete()
    with at(START - timedelta(hours=3)):
        activities.cancel_sign_up(rows[1], actor=people[1])
    statuses = dict(SignUp.objects.values_list("volunteer__user_id", "status"))
    assert statuses[people[1].pk] == SignUpState.CANCELLED
    assert statuses[people[2].pk] == SignUpState.CONFIRMED
    assert statuses[people[3].pk] == SignUpState.WAITLISTED
    told = Notification.objects.get()
    assert told.user_id == people[2].pk and "候补转正" in told.title
    # Signing up again: at the end of the queue.
    again = signed_up(activity, people[1], when=START - timedelta(hours=2))
    assert again.status == SignUpState.WAITLISTED and again.position == 3


def test_a_larger_capacity_takes_people_off_the_waiting_list(world, secretary, people):
    activity = published(secretary, world.ours.community, starts_at=START, capacity=1)
    for p in people[:3]:
        signed_up(activity, p)
    with at(START - timedelta(hours=2)):
        activities.update_activity(
            activity, actor=secretary, version=activity.version, fields=fields(capacity=2)
        )
    assert SignUp.objects.filter(status="confirmed").count() == 2


def test_residents_only_when_the_activity_is_open_to_them(world, secretary, people):
    activity = published(secretary, world.ours.community, starts_at=START, open_to_residents=False)
    resident = make_user("jm2", Role.RESIDENT, world.ours.community)
    volunteer(world.ours.community, "居民志愿者", user=resident)
    with pytest.raises(RuleViolation) as caught:
        signed_up(activity, resident)
    assert "仅限在职党员" in str(caught.value.message)


def test_a_bound_resident_not_volunteering_yet_is_sent_to_register(world, secretary, client_as):
    from datetime import date

    from gongzhi.residents.models import Resident
    from gongzhi.residents.testing import add_person

    activity = published(secretary, world.ours.community, starts_at=START)
    user = world.users["resident"]
    with pytest.raises(RuleViolation, match="请联系社区登记"):  # no resident record
        signed_up(activity, user)
    person = add_person(world, world.ours.households[0], "王小明", date(1990, 5, 1), 11)
    Resident.objects.filter(pk=person.pk).update(user=user)
    with pytest.raises(RuleViolation, match="请先在“我的志愿服务”注册志愿者"):
        signed_up(activity, user)
    client = client_as(user)
    html = client.get(reverse("service:activity_mine")).content.decode()
    assert 'href="/service/volunteers/join/?next=/service/mine/activities/"' in html
    volunteer(world.ours.community, "王小明", user=user, resident=person)
    html = client.get(reverse("service:activity_mine")).content.decode()
    assert "data-join" not in html
    assert signed_up(activity, user).status == "confirmed"


def test_a_member_is_registered_as_a_volunteer_on_first_sign_up(world, secretary, party):
    from gongzhi.party.choices import Category
    from gongzhi.party.testing import add_member

    member = add_member(
        world.users["district_admin"],
        party.ours_branch,
        "在职甲",
        serial=61,
        category=Category.IN_SERVICE,
    )
    user = world.users["inservice_member"]
    member.user = user
    member.save(update_fields=["user"])
    from gongzhi.areas.models import Household

    household = world.ours.households[0] if world.ours.households else Household.objects.first()
    member.household = household
    member.save(update_fields=["household"])
    activity = published(secretary, world.ours.community, starts_at=START)
    row = signed_up(activity, user)
    assert row.volunteer.member_id == member.pk and row.volunteer.user_id == user.pk


def test_one_without_a_volunteer_row_is_told_why(world, secretary):
    activity = published(secretary, world.ours.community, starts_at=START)
    with pytest.raises(RuleViolation) as caught:
        signed_up(activity, world.users["resident"])
    assert caught.value.field == "volunteer"


def test_no_sign_up_to_a_draft_or_an_ended_activity(world, secretary, people):
    activity = published(secretary, world.ours.community, starts_at=START)
    with pytest.raises(RuleViolation):
        signed_up(activity, people[0], when=activity.ends_at + timedelta(minutes=1))
    with at(START - timedelta(days=2)):
        draft = activities.create_activity(
            actor=secretary, community=world.ours.community, fields=fields()
        )
    with pytest.raises(RuleViolation):
        signed_up(draft, people[0])


def test_a_member_of_the_sibling_community_cannot_sign_up_here(world, secretary):
    activity = published(secretary, world.ours.community, starts_at=START)
    stranger, _row = volunteer_user(world.sibling.community, "lj_zy", "邻里志愿者")
    with pytest.raises(NotFoundOrForbidden):
        signed_up(activity, stranger)


# --- Pages --------------------------------------------------------------------------------------


def test_the_organiser_creates_and_publishes_on_the_pages(client_as, world, secretary):
    with at(START - timedelta(days=2)):
        client = client_as(secretary)
        response = client.post(
            reverse("service:activity_create"),
            {
                "community": world.ours.community.pk,
                "title": "义诊",
                "place": "党群服务中心",
                "starts_at": "2026-12-20T09:00",
                "ends_at": "2026-12-20T11:30",
                "capacity": "20",
                "theme_day": "on",
                "open_to_residents": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        activity = Activity.objects.get()
        page = client.get(activity.get_absolute_url())
        assert 'data-action="publish"' in page.content.decode()
        client.post(
            reverse("service:activity_publish", args=[activity.pk]), {"version": activity.version}
        )
        activity.refresh_from_db()
        assert activity.status == "published"
        screen = client.get(reverse("service:activity_screen", args=[activity.pk])).content.decode()
    assert "<svg" in screen and activity.code[0] in screen
    assert f"?c={activity.code}" in screen


def test_the_form_keeps_input_and_names_each_error(client_as, world, secretary):
    client = client_as(secretary)
    response = client.post(
        reverse("service:activity_create"),
        {
            "community": world.ours.community.pk,
            "title": "义诊",
            "place": "",
            "starts_at": "2026-12-20T09:00",
            "ends_at": "2026-12-20T08:00",
            "capacity": "0",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "结束时间须晚于开始时间" in html and 'value="义诊"' in html
    assert not Activity.objects.exists()


def test_list_and_detail_are_scoped(client_as, world, secretary):
    ours = published(secretary, world.ours.community, starts_at=START, title="和顺活动")
    theirs = published(
        world.users["district_admin"], world.sibling.community, starts_at=START, title="邻里活动"
    )
    client = client_as(secretary)
    html = client.get(reverse("service:activity_list")).content.decode()
    assert "和顺活动" in html and "邻里活动" not in html
    assert client.get(ours.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(reverse("service:activity_checkin", args=[theirs.pk])).status_code == 404


def test_the_list_costs_the_same_for_more_rows(
    client_as, world, secretary, django_assert_max_num_queries
):
    for i in range(3):
        published(secretary, world.ours.community, starts_at=START + timedelta(days=i))
    client = client_as(secretary)
    client.get(reverse("service:activity_list"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("service:activity_list"))
    for i in range(3, 15):
        published(secretary, world.ours.community, starts_at=START + timedelta(days=i))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("service:activity_list"))


def test_my_activities_shows_the_sign_up_state_and_signs_up(client_as, world, secretary, people):
    activity = published(secretary, world.ours.community, starts_at=START, capacity=1)
    signed_up(activity, people[0])
    with at(START - timedelta(hours=5)):
        client = client_as(people[1])
        html = client.get(reverse("service:activity_mine")).content.decode()
        assert "data-signup" in html
        client.post(reverse("service:activity_signup", args=[activity.pk]))
        html = client.get(reverse("service:activity_mine")).content.decode()
    assert "候补" in html and "第1位" in html


def test_theme_day_page_marks_a_missed_quarter_red(client_as, world, secretary):
    # Q3's theme month is September: held in ours; nothing in the sibling community.
    sept = timezone.make_aware(datetime(2026, 9, 19, 9, 0))
    published(secretary, world.ours.community, starts_at=sept, theme_day=True)
    with at(timezone.make_aware(datetime(2026, 11, 2, 10, 0))):
        client = client_as(world.users["street_admin"])
        rows = activities.theme_days(
            world.users["street_admin"], 2026, datetime(2026, 11, 2).date()
        )
        html = client.get(reverse("service:theme_days") + "?year=2026").content.decode()
    states = {r.community.name: [c.state for c in r.cells] for r in rows}
    assert states["和顺社区"] == ["missed", "missed", "held", "due"]
    assert states["邻里社区"] == ["missed", "missed", "missed", "due"]
    assert "table-danger" in html and "已开展 1 次" in html


# --- API ----------------------------------------------------------------------------------------


def test_api_create_publish_sign_up(client, client_as, world, secretary, people):
    with at(START - timedelta(days=2)):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key(secretary)}"}
        created = client.post(
            "/api/v1/service/activities",
            {
                "area_id": world.ours.community.pk,
                "title": "义诊",
                "place": "中心",
                "starts_at": START.isoformat(),
                "ends_at": (START + timedelta(hours=2)).isoformat(),
                "capacity": 1,
            },
            content_type="application/json",
            **headers,
        )
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        bad = client.post(
            f"/api/v1/service/activities/{pk}/cancel",
            {"reason": ""},
            content_type="application/json",
            **headers,
        )
        assert bad.status_code == 422 and bad.json()
        done = client.post(
            f"/api/v1/service/activities/{pk}/publish",
            {},
            content_type="application/json",
            **headers,
        )
        assert done.status_code == 200 and len(done.json()["code"]) == 6
        member = client_as(people[0])  # a member's session (members hold no API token)
        first = member.post(f"/api/v1/service/activities/{pk}/signup")
        assert first.status_code == 201 and first.json()["status"] == "confirmed"
        again = member.post(f"/api/v1/service/activities/{pk}/signup")
        assert again.status_code == 422
        shown = member.get(f"/api/v1/service/activities/{pk}")
    assert shown.status_code == 404  # a member does not see the organiser's view


# --- Demo -----------------------------------------------------------------------------------


def test_the_demo_loads_two_years_with_a_missed_theme_day_once(world, party):
    from gongzhi.party.choices import Category
    from gongzhi.party.testing import add_member

    from .. import demo_activities
    from ..choices import HoursState as H
    from ..models import Hours

    admin = world.users["district_admin"]
    for i in range(12):
        branch = party.ours_branch if i % 2 else party.sibling_branch
        add_member(admin, branch, f"在职{i}", serial=70 + i, category=Category.IN_SERVICE)
    today = timezone.localdate()
    message = demo_activities.load(today)
    assert "已加载" in message and "已存在" in demo_activities.load(today)
    assert Activity.objects.filter(path=world.sibling.community.path).exists()
    assert Activity.objects.filter(starts_at__year=today.year - 1, theme_day=True).exists()
    rows = {
        r.community.name: r
        for r in activities.theme_days(world.users["district_admin"], today.year, today)
    }
    year, quarter = demo_activities._missed_quarter(today)
    if year == today.year:
        assert rows["和顺社区"].cells[quarter - 1].state == "missed"
        assert rows["邻里社区"].cells[quarter - 1].state == "held"
    verified = Hours.objects.filter(status=H.VERIFIED)
    assert verified.exists() and verified.filter(auto_closed=True).count() < verified.count()
    assert Hours.objects.filter(status=H.PENDING).exists()
