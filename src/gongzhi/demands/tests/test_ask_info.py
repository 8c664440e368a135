"""请诉求人补充信息 (issue 16): whoever handles the case at its stage asks the requester for
more information — the community before dispatch, the unit once it has accepted — with a
required note; the state stays, the requester alone is told the note (inbox and SMS), and
the case page, the API and the audit log show it."""

import pytest
import time_machine
from django.urls import reverse

from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog, Delivery, Notification
from gongzhi.demands import services
from gongzhi.demands.choices import Rating, RequesterKind, Status
from gongzhi.demands.models import DemandRequester

from .test_api import Api, error
from .test_services import new, sh, walk

pytestmark = pytest.mark.django_db
NOTE = "请拍一张楼道灯的照片，并说明是几楼。"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(sh(2026, 6, 15, 10, 0), tick=False):
        yield


@pytest.fixture
def api_as(client):
    return lambda user: Api(client, user)


def at_state(world, demands, status, **kw):
    """A demand of ``world.users["resident"]`` brought to ``status`` through the services."""
    staff, handler = world.users["staff"], world.users["unit_handler"]
    kw.setdefault("requester_user", world.users["resident"])
    demand = new(world, **kw)
    steps = {
        Status.RECEIVED: [],
        Status.CLASSIFIED: [(staff, "classify", {"category": demands.hallway})],
        Status.DISPATCHED: [(staff, "dispatch", {})],
        Status.ACCEPTED: [(handler, "accept", {})],
        Status.IN_PROGRESS: [(handler, "start", {})],
        Status.ANSWERED: [(handler, "answer", {"text": "已修好", "resolved": True})],
        Status.CLOSED: [(world.users["resident"], "rate", {"rating": Rating.SATISFIED})],
    }
    for state, taken in steps.items():
        for actor, step, kwargs in taken:
            demand = walk(demand, actor, (step, kwargs))
        if state == status:
            return demand
    raise AssertionError(status)


def ask(demand, actor, note=NOTE):
    return services.ask_info(demand, actor=actor, version=demand.version, note=note)


@pytest.mark.parametrize(
    ("status", "who"),
    [
        (Status.RECEIVED, "staff"),
        (Status.CLASSIFIED, "staff"),
        (Status.ACCEPTED, "unit_handler"),
        (Status.IN_PROGRESS, "unit_handler"),
        # The staff who dispatch in the area act for the unit too (as for contact).
        (Status.IN_PROGRESS, "staff"),
    ],
)
def test_the_handler_at_the_stage_asks_and_the_state_stays(world, demands, status, who):
    demand = at_state(world, demands, status)
    actor, version = world.users[who], demand.version
    assert "ask_info" in services.allowed_actions(demand, actor)
    demand = ask(demand, actor)
    assert demand.status == status and demand.version == version + 1
    event = demand.events.last()
    assert (event.action, event.note, event.actor) == ("ask_info", NOTE, actor)
    assert event.from_status == event.to_status == status
    record = AuditLog.objects.get(action="demands.demand.ask_info")
    assert record.user == actor and record.target_id == str(demand.pk)
    told = Notification.objects.filter(user=world.users["resident"]).latest("id")
    assert told.title == f"您的诉求（{demand.number}）请您补充信息"
    assert told.body == NOTE and told.link  # to the case (tell_requesters' link)


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.ANSWERED, Status.CLOSED])
def test_refused_while_dispatched_and_after_the_answer(world, demands, status):
    demand = at_state(world, demands, status)
    staff = world.users["staff"]
    assert "ask_info" not in services.allowed_actions(demand, staff)
    with pytest.raises(RuleViolation) as caught:
        ask(demand, staff)
    assert caught.value.field == "status" and "不能执行该操作" in caught.value.message
    assert not demand.events.filter(action="ask_info").exists()


def test_a_unit_handler_does_not_ask_before_the_case_is_routed_to_them(world, demands):
    """HANDLE reaches a case not routed yet through the community's dispatch permission
    only: the unit handler's role at the community is not enough, nor is viewing it."""
    demand = at_state(world, demands, Status.CLASSIFIED)
    for who in ("unit_handler", "grid_worker"):
        user = world.users[who]
        assert "ask_info" not in services.allowed_actions(demand, user)
        with pytest.raises(NotFoundOrForbidden):
            ask(demand, user)
    assert not demand.events.filter(action="ask_info").exists()
    denied = AuditLog.objects.filter(action="core.permission.denied", result="denied")
    assert denied.count() == 2


def test_the_note_is_required_and_at_most_500_characters(world, demands):
    demand = at_state(world, demands, Status.RECEIVED)
    staff = world.users["staff"]
    for note, message in (
        ("  ", "请填写需补充的内容。"),
        ("灯" * 501, "需补充的内容不能超过500字。"),
    ):
        with pytest.raises(RuleViolation) as caught:
            ask(demand, staff, note)
        assert (caught.value.field, caught.value.message) == ("note", message)
    assert not demand.events.filter(action="ask_info").exists()
    assert not Notification.objects.filter(user=world.users["resident"], body__gt="").exists()
    assert ask(demand, staff, "灯" * 500).events.last().note == "灯" * 500


def test_refused_when_the_requester_cannot_be_reached(world, demands):
    """Recorded at the desk without a name or phone (anonymous) and no account: nobody to
    ask. With a phone only, the requester is texted."""
    staff = world.users["staff"]
    demand = new(world, requester_kind=RequesterKind.ANONYMOUS)
    assert not demand.requester_phone and demand.requester_user_id is None
    assert "ask_info" not in services.allowed_actions(demand, staff)
    with pytest.raises(RuleViolation) as caught:
        ask(demand, staff)
    assert caught.value.field == "requester_phone"
    assert caught.value.message == "该诉求的诉求人没有账号也没有留电话，无法请其补充信息。"
    assert "ask_info" in services.allowed_actions(new(world), staff)  # a phone: reachable


def test_a_requester_with_a_phone_only_is_texted_the_note(world, demands, settings):
    settings.GONGZHI_NOTIFICATION_SENDERS = ["gongzhi.core.senders.SmsSender"]
    demand = ask(new(world, requester_phone="13812345678"), world.users["staff"])
    text = Delivery.objects.filter(channel="sms", title__endswith="请您补充信息").get()
    assert text.user is None and text.recipient == "138****5678"
    assert text.body == NOTE and text.title == f"您的诉求（{demand.number}）请您补充信息"


def test_only_the_requester_is_asked_not_those_who_joined(world, demands):
    demand = at_state(world, demands, Status.CLASSIFIED)
    joined = world.users["inservice_member"]
    DemandRequester.objects.create(demand=demand, source=demand, name="李四", user=joined)
    ask(demand, world.users["staff"])
    assert Notification.objects.filter(user=world.users["resident"], body=NOTE).exists()
    assert not Notification.objects.filter(user=joined).exists()


def test_a_stale_version_is_a_conflict(world, demands):
    demand = at_state(world, demands, Status.RECEIVED)
    with pytest.raises(Conflict):
        services.ask_info(demand, actor=world.users["staff"], version=demand.version - 1, note=NOTE)


# --- The case page and the API ------------------------------------------------------------------


def test_the_case_page_asks_and_shows_it_in_the_timeline(world, demands, client_as):
    demand = at_state(world, demands, Status.ACCEPTED)
    client = client_as(world.users["unit_handler"])
    url = reverse("demands:act_ask_info", args=[demand.pk])
    page = client.get(demand.get_absolute_url()).content.decode()
    assert f'action="{url}"' in page and "需补充的内容" in page
    refused = client.post(url, {"ask_info-version": demand.version, "ask_info-note": ""})
    assert refused.status_code == 400
    assert not demand.events.filter(action="ask_info").exists()
    done = client.post(url, {"ask_info-version": demand.version, "ask_info-note": "<b>几楼</b>"})
    assert done.status_code == 302
    page = client.get(demand.get_absolute_url()).content.decode()
    assert "请诉求人补充信息" in page and "&lt;b&gt;几楼&lt;/b&gt;" in page


def test_the_api_asks_and_answers_4xx_on_bad_input(world, demands, api_as):
    demand = at_state(world, demands, Status.CLASSIFIED)
    api = api_as(world.users["staff"])
    path = f"/{demand.pk}/ask_info"
    assert "ask_info" in api.get(f"/{demand.pk}").json()["actions"]
    error(api.post(path, {"version": demand.version}), 422)
    error(api.post(path, {"version": demand.version, "note": ""}), 422)
    error(api.post(path, {"version": demand.version, "note": "灯" * 501}), 422)
    error(api.post(path, {"version": demand.version, "note": "  "}), 422, field="note")
    error(api.post(path, {"version": demand.version + 5, "note": NOTE}), 409)
    done = api.post(path, {"version": demand.version, "note": NOTE})
    assert done.status_code == 200, done.content
    answer = done.json()
    assert answer["status"] == Status.CLASSIFIED and answer["version"] == demand.version + 1
    assert answer["events"][-1]["action"] == "ask_info"
    assert answer["events"][-1]["label"] == "请诉求人补充信息"
    assert answer["events"][-1]["note"] == NOTE
    # The unit handler does not reach a case not routed yet; an anonymous one is refused.
    error(api_as(world.users["unit_handler"]).post(path, {"version": 1, "note": NOTE}), 404)
    nobody = new(world, requester_kind=RequesterKind.ANONYMOUS)
    error(
        api.post(f"/{nobody.pk}/ask_info", {"version": nobody.version, "note": NOTE}),
        422,
        field="requester_phone",
    )
