"""“1+1”: one problem and one suggestion per in-service member per period, counted from
the demands members raise; the periods' boundaries (last day of a quarter, first day of
the next), the community page with its switcher and Excel, and “我的1+1”."""

import io
from datetime import date, datetime

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from gongzhi.core import params
from gongzhi.core.calendar import SHANGHAI
from gongzhi.demands import services as demand_services
from gongzhi.service import one_plus_one
from gongzhi.service.tests.test_wishes import in_service


def at(y, m, d, hh=12, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def raise_demand(world, when, *, user=None, name="", phone="", suggestion=""):
    return demand_services.create_demand(
        actor=world.users["secretary"],
        area=world.ours.grid,
        title="楼道灯坏了",
        content="三单元楼道灯不亮",
        channel="desk",
        requester_kind="member",
        requester_name=name or (user.full_name if user is not None else ""),
        requester_phone=phone,
        requester_user=user,
        received_at=when,
        at=when,
        suggestion=suggestion,
    )


@pytest.fixture
def members(world, party):
    first = in_service(world, party, "赵志远", 41, "zzy")
    second = in_service(world, party, "钱多多", 42, "qdd")
    from gongzhi.party.models import Member

    Member.objects.filter(pk=second[0].pk).update(phone="13800001111")
    second[0].refresh_from_db()
    return first, second


def test_period_boundaries_are_the_quarters(db):
    assert one_plus_one.period(date(2026, 3, 31)) == one_plus_one.Period(
        date(2026, 1, 1), date(2026, 3, 31)
    )
    assert one_plus_one.period(date(2026, 4, 1)) == one_plus_one.Period(
        date(2026, 4, 1), date(2026, 6, 30)
    )
    assert one_plus_one.period(date(2026, 12, 31)).end == date(2026, 12, 31)


@time_machine.travel(at(2026, 1, 5), tick=False)
def test_the_period_length_is_a_parameter(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        params.set_parameter(
            key="service.one_plus_one_months",
            new_value=6,
            effective_from=date(2026, 1, 1),
            actor=world.users["superuser"],
            note="half-yearly",
        )
    assert one_plus_one.period(date(2026, 6, 30)).start == date(2026, 1, 1)
    assert one_plus_one.period(date(2026, 7, 1)).start == date(2026, 7, 1)


@time_machine.travel(at(2026, 4, 15), tick=False)
def test_a_demand_on_the_last_evening_of_a_quarter_counts_in_that_quarter(world, members):
    (member, user), _ = members
    raise_demand(world, at(2026, 3, 31, 23, 50), user=user, suggestion="加装声控灯")
    raise_demand(world, at(2026, 4, 1, 0, 10), user=user)
    q1 = one_plus_one.counts([member], one_plus_one.period(date(2026, 3, 31)))[member.pk]
    q2 = one_plus_one.counts([member], one_plus_one.period(date(2026, 4, 1)))[member.pk]
    assert (q1.problems, q1.suggestions, q1.done) == (1, 1, True)
    assert (q2.problems, q2.suggestions, q2.done) == (1, 0, False)


@time_machine.travel(at(2026, 12, 7), tick=False)
def test_a_demand_taken_down_for_a_member_by_name_and_phone_counts(world, members):
    _, (member, _user) = members
    raise_demand(world, at(2026, 11, 2), name="钱多多", phone="13800001111", suggestion="  ")
    raise_demand(world, at(2026, 11, 3), name="钱多", phone="13800001111", suggestion="x")
    count = one_plus_one.counts([member], one_plus_one.period(date(2026, 12, 7)))[member.pk]
    assert (count.problem, count.suggestion) == (True, False)  # blank suggestion: none


def test_the_switcher_never_goes_past_today(db):
    today = date(2026, 12, 7)
    assert one_plus_one.period_from("2027-05-01", today).start == date(2026, 10, 1)
    assert one_plus_one.period_from("2026-05-01", today).start == date(2026, 4, 1)
    assert one_plus_one.period_from("nonsense", today).start == date(2026, 10, 1)
    keys = [p.key for p in one_plus_one.recent_periods(today, 3)]
    assert keys == ["2026-10-01", "2026-07-01", "2026-04-01"]


@time_machine.travel(at(2026, 12, 7), tick=False)
def test_the_community_page_with_its_switcher_and_excel(world, members, client_as):
    (first, first_user), (second, _) = members
    raise_demand(world, at(2026, 10, 1, 8), user=first_user, suggestion="建议增设快递柜")
    raise_demand(world, at(2026, 9, 30, 20), name="钱多多", phone="13800001111")
    client = client_as(world.users["secretary"])
    url = reverse("service:one_plus_one")
    page = client.get(url).content.decode()
    assert "赵*远" in page and "赵志远" not in page
    assert f'<tr data-member="{first.pk}">' in page
    row = page[page.index(f'data-member="{first.pk}"') :][:400]
    assert "✓ 1" in row
    previous = client.get(url, {"period": "2026-07-01"}).content.decode()
    row = previous[previous.index(f'data-member="{second.pk}"') :][:400]
    assert "✓ 1" in row
    answer = client.get(url, {"period": "2026-10-01", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["赵*远"][2:] == ("是", "是", 1, 1)
    assert rows["钱*多"][2:] == ("否", "否", 0, 0)


def test_the_page_shows_nothing_of_the_sibling_community(world, members, client_as):
    client = client_as(world.users["secretary"])
    answer = client.get(reverse("service:one_plus_one"), {"community": world.sibling.community.pk})
    assert "邻里社区" not in answer.content.decode().split("<h1", 1)[1][:200]


@time_machine.travel(at(2026, 12, 7), tick=False)
def test_my_one_plus_one_links_to_raising_a_demand(world, members, client_as):
    (_, user), _ = members
    raise_demand(world, at(2026, 12, 1), user=user, suggestion="多组织周末活动")
    page = client_as(user).get(reverse("service:my_one_plus_one")).content.decode()
    assert 'data-period="2026-10-01"' in page
    assert reverse("demands:intake") in page
    resident = client_as(world.users["resident"]).get(reverse("service:my_one_plus_one"))
    assert "未关联在职党员" in resident.content.decode()


def test_one_plus_one_api(world, members, client_as):
    client = client_as(world.users["secretary"])
    answer = client.get(
        "/api/v1/service/wishes/one-plus-one", {"community_id": world.ours.community.pk}
    )
    assert answer.status_code == 200
    assert {r["name"] for r in answer.json()["rows"]} == {"赵*远", "钱*多"}
    other = client.get(
        "/api/v1/service/wishes/one-plus-one", {"community_id": world.sibling.community.pk}
    )
    assert other.status_code == 404
