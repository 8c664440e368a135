"""The demands API: scoped lists and search, the case with its events, idempotent create,
every transition with its version, machine-readable refusals, inbox, rates, setup lists."""

import json
import re
from datetime import datetime
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gongzhi.core.testing import api_key, sign_in
from gongzhi.demands import services
from gongzhi.demands.choices import Channel, Rating, RequesterKind, Status
from gongzhi.demands.models import Demand

pytestmark = pytest.mark.django_db
API = "/api/v1/demands"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.fromisoformat("2026-06-15T10:00:00+08:00"), tick=False):
        yield


class Api:
    """The API as ``user``: with a token, or (``session=True``) signed in, as the pages'
    scripts and a resident without a token call it."""

    def __init__(self, client, user, *, session=False):
        if session:
            self.client, self.headers = sign_in(client, user), {}
        else:
            key = api_key(user, name="测试")
            self.client, self.headers = client, {"Authorization": f"Bearer {key}"}

    def get(self, path, **params):
        return self.client.get(API + path, QUERY_STRING=urlencode(params), headers=self.headers)

    def post(self, path, body=None, **headers):
        return self.client.post(
            API + path,
            data=json.dumps(body),
            content_type="application/json",
            headers={**self.headers, **headers},
        )


@pytest.fixture
def api_as(client):
    return lambda user: Api(client, user)


def body(world, **kw):
    data = {
        "area_id": world.ours.grid.pk,
        "title": "电梯经常停运",
        "content": "1单元电梯这周停了三次，有老人被困",
        "channel": Channel.PHONE,
        "requester_kind": RequesterKind.RESIDENT,
        "requester_name": "赵先生",
        "requester_phone": "13712345678",
        "suggestion": "建议更换老旧电梯",
    }
    data.update(kw)
    return data


def error(response, status, code=None, field=None):
    assert response.status_code == status, response.content
    err = response.json()["error"]
    assert err["message"]
    if code:
        assert err["code"] == code
    if field:
        assert err["field"] == field
    return err


def test_create_is_idempotent_with_a_key(world, demands, api_as):
    api = api_as(world.users["staff"])
    first = api.post("", body(world), **{"Idempotency-Key": "desk-1-0001"})
    assert first.status_code == 201
    again = api.post("", body(world), **{"Idempotency-Key": "desk-1-0001"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Demand.objects.count() == 1
    assert api.post("", body(world), **{"Idempotency-Key": "desk-1-0002"}).status_code == 201
    assert api.post("", body(world)).status_code == 201  # no key: a new demand each time
    assert Demand.objects.count() == 3
    out = first.json()
    assert (
        out["requester_name_masked"] == "赵*生" and out["requester_phone_masked"] == "137****5678"
    )
    assert "赵先生" not in first.content.decode() and "13712345678" not in first.content.decode()
    assert out["events"][0]["action"] == "create" and out["events"][0]["label"] == "受理"
    # The same key of another user is theirs, not this one's.
    other = api_as(world.users["secretary"]).post(
        "", body(world), **{"Idempotency-Key": "desk-1-0001"}
    )
    assert other.status_code == 201 and other.json()["id"] != out["id"]


def test_a_key_reused_for_a_different_body_is_refused(world, demands, api_as):
    """IETF Idempotency-Key draft: the same key with another payload is a client error,
    never the first submission's answer."""
    api = api_as(world.users["staff"])
    first = api.post("", body(world), **{"Idempotency-Key": "desk-1-0042"})
    assert first.status_code == 201
    other = api.post("", body(world, title="另一件事"), **{"Idempotency-Key": "desk-1-0042"})
    err = error(other, 422, "idempotency_key_reused", "idempotency_key")
    assert "Idempotency-Key" in err["message"]
    assert Demand.objects.count() == 1
    # Surrounding blanks are not a different payload.
    padded = body(world)
    padded["title"] = " " + padded["title"] + " "
    assert api.post("", padded, **{"Idempotency-Key": "desk-1-0042"}).status_code == 200


def test_create_answers_from_the_row_it_wrote(world, demands, api_as):
    api = api_as(world.users["staff"])
    with CaptureQueriesContext(connection) as queries:
        created = api.post("", body(world), **{"Idempotency-Key": "desk-1-0003"})
    assert created.status_code == 201
    # Only the key's lookup: the new row is not read again, the reach needs no query.
    reads = [q["sql"] for q in queries if re.match(r'SELECT .* FROM "demands_demand"', q["sql"])]
    assert len(reads) == 1, reads
    # Nor its co-requesters or extension requests: a demand just recorded has none.
    assert not [q for q in queries if re.search(r"demands_(demandrequester|extension)", q["sql"])]
    detail = api.get(f"/{created.json()['id']}")
    assert created.json() == detail.json()
    assert created.json()["actions"] == ["classify", "ask_info", "close_unresolved", "merge"]


def test_two_submissions_of_one_key_at_once_make_one_demand(world, demands, api_as, monkeypatch):
    api = api_as(world.users["staff"])
    record, first = services._record, []

    def racing(demand, **kw):  # the other submission commits between the check and the write
        if not first:
            first.append(record(Demand(**{**model_fields(demand), "title": "先到的提交"}), **kw))
        return record(demand, **kw)

    def model_fields(demand):
        return {f.attname: getattr(demand, f.attname) for f in Demand._meta.concrete_fields}

    monkeypatch.setattr(services, "_record", racing)
    response = api.post("", body(world), **{"Idempotency-Key": "desk-1-0009"})
    assert response.status_code == 200 and response.json()["id"] == first[0].pk
    assert response.json()["title"] == "先到的提交"
    assert Demand.objects.count() == 1


def test_bad_input_is_refused_with_the_reason(world, demands, api_as):
    api = api_as(world.users["staff"])
    error(api.post("", body(world, title="")), 422, "validation_error", "title")
    error(api.post("", body(world, requester_phone="12")), 422, "rule_violation", "requester_phone")
    error(api.post("", body(world, area_id=world.sibling.grid.pk)), 404, "not_found")
    err = error(
        api.post("", body(world, household_id=world.sibling.households[0].pk)),
        422,
        field="household_id",
    )
    assert "住户" in err["message"]
    error(api.post("", {"title": 1}), 422, "validation_error")
    bad_key = api.post("", body(world), **{"Idempotency-Key": "含中文"})
    error(bad_key, 422, "validation_error")
    assert not Demand.objects.exists()


def test_the_workflow_over_the_api(world, demands, api_as):
    staff = api_as(world.users["staff"])
    created = staff.post("", body(world, requester_kind="anonymous")).json()
    demand_id, version = created["id"], created["version"]
    assert "classify" in created["actions"] and "accept" not in created["actions"]
    unknown = staff.post(f"/{demand_id}/classify", {"version": version, "category_id": 999999})
    error(unknown, 422, "rule_violation", "category_id")
    classified = staff.post(
        f"/{demand_id}/classify", {"version": version, "category_id": demands.hallway.pk}
    )
    assert classified.status_code == 200
    stale = staff.post(f"/{demand_id}/dispatch", {"version": version})
    error(stale, 409, "conflict")
    out = staff.post(f"/{demand_id}/dispatch", {"version": classified.json()["version"]}).json()
    assert out["status"] == Status.DISPATCHED and out["unit_id"] == demands.property_unit.pk

    handler = api_as(world.users["unit_handler"])
    inbox = handler.get("/inbox").json()
    assert [d["id"] for d in inbox["items"]] == [demand_id]
    out = handler.post(f"/{demand_id}/accept", {"version": out["version"]}).json()
    not_now = handler.post(f"/{demand_id}/accept", {"version": out["version"]})
    error(not_now, 422, "rule_violation", "status")
    empty = handler.post(
        f"/{demand_id}/answer", {"version": out["version"], "text": "  ", "resolved": True}
    )
    error(empty, 422, "rule_violation", "answer")
    out = handler.post(
        f"/{demand_id}/answer", {"version": out["version"], "text": "已修好", "resolved": True}
    ).json()
    assert out["status"] == Status.ANSWERED

    # An anonymous demand cannot be followed up; closing waits for the rating days.
    follow = staff.post(
        f"/{demand_id}/follow_up",
        {"version": out["version"], "note": "电话回访", "rating": "satisfied"},
    )
    error(follow, 422, "rule_violation", "rating")
    early = staff.post(f"/{demand_id}/close", {"version": out["version"]})
    error(early, 422, "rule_violation", "status")
    with time_machine.travel(datetime.fromisoformat("2026-06-20T10:00:00+08:00"), tick=False):
        closed = staff.post(f"/{demand_id}/close", {"version": out["version"]}).json()
    assert closed["status"] == Status.CLOSED
    assert [e["action"] for e in closed["events"]] == [
        "create", "classify", "dispatch", "accept", "answer", "close",
    ]  # fmt: skip


def test_the_requester_rates_and_nobody_else(world, demands, api_as):
    resident = world.users["resident"]
    staff, handler = world.users["staff"], world.users["unit_handler"]
    demand = services.create_demand(
        actor=staff,
        area=world.ours.grid,
        title="楼道灯坏了",
        content="楼道灯坏了",
        channel=Channel.PORTAL,
        requester_kind=RequesterKind.RESIDENT,
        requester_name="居民",
        requester_user=resident,
        category=demands.hallway,
    )
    demand = services.dispatch(demand, actor=staff, version=demand.version)
    demand = services.accept(demand, actor=handler, version=demand.version)
    demand = services.answer(
        demand, actor=handler, version=demand.version, text="好", resolved=True
    )
    rating = {"version": demand.version, "rating": Rating.UNSATISFIED, "note": "还是不亮"}
    error(api_as(staff).post(f"/{demand.pk}/rate", rating), 404, "not_found")
    # A resident holds no API token (the API's tokens are for staff systems): their
    # signed-in session calls the same routes, as the residents' pages will.
    mine = Api(Client(), resident, session=True)
    detail = mine.get(f"/{demand.pk}").json()
    assert detail["actions"] == ["rate"]
    out = mine.post(f"/{demand.pk}/rate", rating).json()
    assert out["status"] == Status.RATED and out["rating"] == Rating.UNSATISFIED
    reopened = api_as(staff).post(
        f"/{demand.pk}/reopen", {"version": out["version"], "reason": "居民不满意，重新办理"}
    )
    assert reopened.json()["status"] == Status.DISPATCHED


def test_lists_search_and_scope(world, demands, api_as):
    staff = world.users["staff"]
    for title in ("小区停车难", "楼道漏水严重", "广场舞噪音扰民"):
        services.create_demand(
            actor=staff,
            area=world.ours.grid,
            title=title,
            content=title,
            channel=Channel.DESK,
            requester_kind=RequesterKind.ANONYMOUS,
        )
    sibling = services.create_demand(
        actor=world.users["street_admin"],
        area=world.sibling.grid,
        title="邻里楼道漏水",
        content="漏水",
        channel=Channel.DESK,
        requester_kind=RequesterKind.ANONYMOUS,
    )
    api = api_as(world.users["secretary"])
    listed = api.get("").json()
    assert listed["count"] == 3
    found = api.get("", q="漏水").json()
    assert [d["title"] for d in found["items"]] == ["楼道漏水严重"]
    assert api.get("", within=world.sibling.grid.pk).json()["count"] == 0
    assert api.get("", unit_id=demands.sibling_property.pk).json()["count"] == 0
    assert api.get("", received_after="2026-06-16").json()["count"] == 0
    assert api.get("", received_before="2026-06-15").json()["count"] == 3
    error(api.get(f"/{sibling.pk}"), 404, "not_found")
    error(
        api.post(f"/{sibling.pk}/classify", {"version": 1, "category_id": demands.lights.pk}), 404
    )
    units = {u["name"] for u in api.get("/units").json()}
    assert units == {"和顺物业", "区住建局"}  # not the neighbour's property company
    categories = api.get("/categories").json()
    assert {c["full_name"] for c in categories} >= {"物业管理/楼道卫生", "违法建设"}


def test_rates_per_group(world, demands, api_as):
    staff, handler, resident = (
        world.users["staff"],
        world.users["unit_handler"],
        world.users["resident"],
    )
    for rating in (Rating.SATISFIED, Rating.BASIC):
        d = services.create_demand(
            actor=staff,
            area=world.ours.grid,
            title="楼道灯",
            content="楼道灯",
            channel=Channel.DESK,
            requester_kind=RequesterKind.RESIDENT,
            requester_name="居民",
            requester_user=resident,
            category=demands.hallway,
        )
        d = services.dispatch(d, actor=staff, version=d.version)
        d = services.accept(d, actor=handler, version=d.version)
        d = services.answer(d, actor=handler, version=d.version, text="好", resolved=True)
        services.rate(d, actor=resident, version=d.version, rating=rating)
    api = api_as(world.users["secretary"])
    out = api.get("/rates", start="2026-06-01", end="2026-06-30", group="community").json()
    assert out["overall"]["closed"] == 2 and out["overall"]["satisfaction"] == pytest.approx(0.95)
    assert out["overall"]["composite"] == pytest.approx(0.1 + 0.5 + 0.4 * 0.95)
    assert out["groups"][0]["name"] == "和顺社区"
    error(api.get("/rates", start="2026-06-30", end="2026-06-01"), 422, field="end")
    sibling = api_as(world.users["street_admin"]).get(
        "/rates", start="2026-06-01", end="2026-06-30", group="unit"
    )
    assert [g["name"] for g in sibling.json()["groups"]] == ["和顺物业"]


def test_meeting_over_the_api(world, demands, api_as):
    api = api_as(world.users["staff"])
    response = api.post(
        "/meetings",
        {
            "area_id": world.ours.community.pk,
            "title": "坝坝会",
            "held_at": "2026-06-10T19:00:00+08:00",
            "items": [
                {"title": "路灯", "content": "路灯不亮", "requester_kind": "anonymous"},
                {"title": "绿化", "content": "树枝挡窗", "requester_kind": "anonymous"},
            ],
        },
    )
    assert response.status_code == 201
    ids = response.json()["demand_ids"]
    assert len(ids) == 2
    assert {d.received_at.isoformat() for d in Demand.objects.filter(pk__in=ids)} == {
        "2026-06-10T11:00:00+00:00"
    }


def test_list_queries_do_not_grow(world, demands, api_as, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_as(world.users["secretary"])
    staff = world.users["staff"]

    def make(n):
        for i in range(n):
            services.create_demand(
                actor=staff,
                area=world.ours.grid,
                title=f"诉求{i}",
                content="内容",
                channel=Channel.DESK,
                requester_kind=RequesterKind.ANONYMOUS,
                category=demands.hallway,
            )

    api.get("")  # the token's first use stamps it
    make(3)
    with CaptureQueriesContext(connection) as queries:
        assert api.get("").json()["count"] == 3
    make(27)
    with django_assert_num_queries(len(queries)):
        assert api.get("").json()["count"] == 30
