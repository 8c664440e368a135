"""The handler's question in the portal (issue 16): the requester sees what they are
asked to add on the case, "待您补充" in 我的诉求 and the request in the timeline; once
they add information the marker goes and the one who asked is told."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.models import Notification
from gongzhi.demands import services
from gongzhi.portal import demands as portal

from .test_demands import answered, photo, submit

pytestmark = pytest.mark.django_db
NOTE = "请拍一张楼道灯的照片，并说明是几楼。"


def ask(demand, actor, note=NOTE):
    return services.ask_info(demand, actor=actor, version=demand.version, note=note)


def question(user, demand):
    return portal.pending_question(portal.own_demand(user, demand.pk), user)


def test_the_question_waits_until_the_requester_adds_information(world, bound):
    staff = world.users["staff"]
    demand = submit(bound, household=world.ours.households[0])
    assert question(bound, demand) == ""
    ask(demand, staff)
    assert question(bound, demand) == NOTE
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        portal.add_info(demand, actor=bound, note="3楼，灯罩也碎了", photos=[photo()])
    assert question(bound, demand) == ""
    # The community, which asked before the case has a unit, hears of the answer.
    told = Notification.objects.filter(user=staff, title__endswith="诉求人补充了信息")
    assert told.count() == 1 and told.get().link == demand.get_absolute_url()
    # Asked again: the latest question counts.
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        ask(demand, staff, "灯罩碎片还在地上吗？")
    assert question(bound, demand) == "灯罩碎片还在地上吗？"


def test_the_question_goes_with_the_answer(world, bound, demands):
    demand = submit(bound, household=world.ours.households[0])
    ask(demand, world.users["staff"])
    assert question(bound, demand) == NOTE
    answered(world, portal.own_demand(bound, demand.pk), demands)
    assert question(bound, demand) == ""


def test_a_resident_who_joined_is_not_asked(world, bound, unbound):
    demand = submit(bound, household=world.ours.households[0])
    portal.me_too(demand, actor=unbound)
    ask(demand, world.users["staff"])
    assert question(unbound, demand) == ""
    assert not Notification.objects.filter(user=unbound, body=NOTE).exists()
    assert Notification.objects.filter(user=bound, body=NOTE).exists()


def test_the_unit_that_asked_is_told_of_the_information(world, bound, demands):
    demand = submit(bound, household=world.ours.households[0])
    staff, handler = world.users["staff"], world.users["unit_handler"]
    demand = services.classify(
        demand, actor=staff, version=demand.version, category=demands.hallway
    )
    demand = services.dispatch(demand, actor=staff, version=demand.version)
    demand = services.accept(demand, actor=handler, version=demand.version)
    ask(demand, handler)
    portal.add_info(demand, actor=bound, note="3楼")
    told = Notification.objects.filter(user=handler, title__endswith="诉求人补充了信息")
    assert told.count() == 1  # once, as the unit's handler and the one who asked
    assert not Notification.objects.filter(user=staff, title__endswith="诉求人补充了信息").exists()


def test_the_timeline_shows_the_request_and_the_answer_in_plain_words(world, bound):
    demand = submit(bound, household=world.ours.households[0])
    ask(demand, world.users["staff"])
    portal.add_info(demand, actor=bound, note="3楼")
    steps = [(s.text, s.note) for s in portal.timeline(demand)]
    assert steps == [
        ("已受理", ""),
        ("社区/承办单位请您补充信息", NOTE),
        ("补充了信息", "3楼"),
    ]


def test_the_case_page_shows_the_question_escaped_above_the_form(world, bound, client_as):
    demand = submit(bound, household=world.ours.households[0])
    ask(demand, world.users["staff"], "<script>几楼</script>")
    client = client_as(bound)
    url = reverse("portal:demand_detail", args=[demand.pk])
    page = client.get(url).content.decode()
    card = page.index("社区/承办单位请您补充：")
    assert "gz-asked" in page[card - 100 : card]
    assert "&lt;script&gt;几楼&lt;/script&gt;" in page and "<script>几楼" not in page
    assert card < page.index(reverse("portal:demand_add_info", args=[demand.pk]))
    answer = client.post(
        reverse("portal:demand_add_info", args=[demand.pk]), {"note": "3楼", "photos": [photo()]}
    )
    assert answer.status_code == 302
    page = client.get(url).content.decode()
    assert "社区/承办单位请您补充：" not in page and "gz-asked" not in page


def test_my_demands_marks_the_asked_ones_in_constant_queries(world, unbound, client_as):
    staff = world.users["staff"]
    client = client_as(unbound)
    ask(submit(unbound, area=world.ours.building), staff)
    with CaptureQueriesContext(connection) as one:
        page = client.get(reverse("portal:demand_list")).content.decode()
    assert page.count("待您补充") == 1
    for n in range(5):
        demand = submit(unbound, area=world.ours.building)
        if n % 2:
            ask(demand, staff)
    with CaptureQueriesContext(connection) as six:
        page = client.get(reverse("portal:demand_list")).content.decode()
    assert page.count("gz-card-link") == 6 and page.count("待您补充") == 3
    assert len(six) == len(one)


def test_the_api_exposes_the_question_and_clears_it(world, bound, client_as):
    demand = submit(bound, household=world.ours.households[0])
    ask(demand, world.users["staff"])
    client = client_as(bound)
    detail = client.get(f"/api/v1/portal/demands/{demand.pk}").json()
    assert detail["question"] == NOTE and detail["asked"] is True
    assert "add_info" in detail["actions"]
    assert client.get("/api/v1/portal/demands").json()["items"][0]["asked"] is True
    refused = client.post(f"/api/v1/portal/demands/{demand.pk}/add_info", {"note": " "})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "note"
    added = client.post(f"/api/v1/portal/demands/{demand.pk}/add_info", {"note": "3楼"})
    assert added.status_code == 200, added.content
    assert added.json()["question"] == "" and added.json()["asked"] is False
    assert client.get("/api/v1/portal/demands").json()["items"][0]["asked"] is False
