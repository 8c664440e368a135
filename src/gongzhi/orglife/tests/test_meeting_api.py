"""The meetings API: a meeting from creation to close, the refusals as 4xx JSON bodies
naming the field, scope (404 across communities) and a constant query count."""

import json
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.accounts.roles import Role
from gongzhi.core.testing import api_key, make_user
from gongzhi.orglife.choices import MeetingKind
from gongzhi.orglife.models import Decision, Meeting, StudyRecord
from gongzhi.orglife.testing import held_meeting
from gongzhi.party.testing import add_member

pytestmark = pytest.mark.django_db
API = "/api/v1/orglife/meetings"
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


class Api:
    def __init__(self, client, user):
        self.client = client
        self.headers = {"Authorization": f"Bearer {api_key(user)}"}

    def get(self, path="", **params):
        return self.client.get(API + path, QUERY_STRING=urlencode(params), headers=self.headers)

    def post(self, path="", body=None):
        return self.client.post(
            API + path,
            data=json.dumps(body or {}, default=str),
            content_type="application/json",
            headers=self.headers,
        )


class Session(Api):
    """A member's own signed-in session (members hold no API token)."""

    def __init__(self, client):
        self.client, self.headers = client, {}


@pytest.fixture
def members(world, party):
    admin = world.users["district_admin"]
    return [add_member(admin, party.ours_branch, f"党员{i}", serial=40 + i) for i in range(4)]


def error(response):
    body = response.json()["error"]
    return body["field"], body["message"]


def test_a_meeting_from_creation_to_close(client, party, secretary, members):
    api = Api(client, secretary)
    created = api.post(
        body={
            "organization_id": party.ours_branch.pk,
            "kind": "assembly",
            "planned_on": str(TODAY + timedelta(days=2)),
            "topic": "党员大会",
            "agenda": "一、学习\n二、表决",
        }
    )
    assert created.status_code == 201, created.content
    meeting = created.json()
    assert meeting["allowed"] == ["update", "notify", "cancel"]
    mid = meeting["id"]
    notified = api.post(f"/{mid}/notify", {"version": meeting["version"]})
    assert notified.status_code == 200 and notified.json()["state"] == "notified"
    assert notified.json()["counts"]["entitled"] == 4
    marks = [{"member_id": m.pk, "presence": "present"} for m in members[:3]]
    marks.append({"member_id": members[3].pk, "presence": "leave", "leave_reason": "出差"})
    ticked = api.post(f"/{mid}/signin", {"marks": marks})
    assert ticked.json()["counts"]["attended"] == 3
    # Minutes before the meeting is held: refused.
    early = api.post(f"/{mid}/minutes", {"text": "提前写"})
    assert early.status_code == 422 and "会议尚未召开" in error(early)[1]
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        held = api.post(
            f"/{mid}/hold",
            {
                "version": ticked.json()["version"],
                "held_on": str(TODAY + timedelta(days=2)),
                "length": "half_day",
            },
        )
    assert held.status_code == 200, held.content
    assert held.json()["state"] == "held" and held.json()["class_hours"] == "4.0"
    too_many = api.post(
        f"/{mid}/decide", {"title": "表决", "voted": True, "votes_for": 3, "votes_against": 1}
    )
    assert too_many.status_code == 422 and error(too_many)[0] == "votes_for"
    decided = api.post(f"/{mid}/decide", {"title": "表决", "voted": True, "votes_for": 3})
    assert decided.status_code == 201 and decided.json()["passed"] is True
    made_up = api.post(
        f"/{mid}/makeup",
        {"member_id": members[0].pk, "on": str(TODAY + timedelta(days=2)), "way": "phone"},
    )
    assert made_up.status_code == 422 and error(made_up)[0] == "member"
    assert api.post(f"/{mid}/minutes", {"text": "记录"}).status_code == 200
    assert api.post(f"/{mid}/approve").status_code == 200
    frozen = api.post(f"/{mid}/minutes", {"text": "改"})
    assert frozen.status_code == 422 and error(frozen)[0] == "reason"
    detail = api.get(f"/{mid}").json()
    closed = api.post(f"/{mid}/close", {"version": detail["version"]})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert StudyRecord.objects.filter(meeting_id=mid).count() == 3
    assert [m["number"] for m in closed.json()["minutes"]] == [1]


def test_a_decision_without_quorum_is_refused_and_the_meeting_stays(
    client, party, secretary, members
):
    meeting = held_meeting(
        secretary, party.ours_branch, on=TODAY - timedelta(days=1), present={members[0].pk}
    )
    response = Api(client, secretary).post(
        f"/{meeting.pk}/decide", {"title": "表决", "voted": True, "votes_for": 1}
    )
    assert response.status_code == 422
    assert "应到4人，实到1人，未过半数" in error(response)[1]
    assert not Decision.objects.exists()
    assert Meeting.objects.get(pk=meeting.pk).state == "held"


def test_bad_input_answers_4xx_json(client, party, secretary, members):
    api = Api(client, secretary)
    assert api.post(body={"organization_id": party.ours_branch.pk}).status_code == 422
    bad = api.post(
        body={
            "organization_id": party.ours_branch.pk,
            "kind": "theme_day",
            "planned_on": str(TODAY + timedelta(days=10)),
            "topic": "主题党日",
        }
    ).json()
    moved = api.post(
        f"/{bad['id']}/update",
        {
            "version": bad["version"],
            "planned_on": str(TODAY + timedelta(days=18)),
            "topic": "x",
            "move_reason": "冲突",
        },
    )
    assert moved.status_code == 422 and error(moved)[0] == "planned_on"
    assert (
        api.post(f"/{bad['id']}/hold", {"held_on": str(TODAY), "length": "week"}).status_code == 422
    )
    assert api.post(f"/{bad['id']}/cancel", {"reason": ""}).status_code == 422
    assert api.get("", month=13).status_code == 422
    assert api.post("/999999/notify", {}).status_code == 404


def test_scope_and_filters(client, world, party, secretary, members):
    admin = world.users["district_admin"]
    ours = held_meeting(admin, party.ours_branch, on=TODAY - timedelta(days=1), topic="和顺会议")
    add_member(admin, party.sibling_branch, "邻里党员", serial=90)
    theirs = held_meeting(
        admin, party.sibling_branch, on=TODAY - timedelta(days=1), topic="邻里会议"
    )
    api = Api(client, secretary)
    listed = api.get().json()
    assert [m["topic"] for m in listed["items"]] == ["和顺会议"]
    assert listed["items"][0]["n_attended"] == 4
    assert api.get(f"/{theirs.pk}").status_code == 404
    assert api.post(f"/{theirs.pk}/minutes", {"text": "越界"}).status_code == 404
    assert api.get("", kind="lecture").json()["count"] == 0
    assert api.get("", organization=party.ours_branch.pk, year=2026, month=6).json()["count"] == 1
    other = Api(client, make_user("lsj", Role.COMMUNITY_SECRETARY, world.sibling.community))
    assert other.get(f"/{ours.pk}").status_code == 404


def test_the_list_costs_the_same_queries_for_more_rows(client, world, party, secretary, members):
    admin = world.users["district_admin"]
    api = Api(client, secretary)

    def create(n):
        for i in range(n):
            held_meeting(
                admin, party.ours_branch, on=TODAY - timedelta(days=i + 1), kind=MeetingKind.OTHER
            )

    create(1)
    api.get()
    with CaptureQueriesContext(connection) as few:
        assert api.get().status_code == 200
    create(3)
    with CaptureQueriesContext(connection) as more:
        assert api.get().json()["count"] == 4
    assert len(more) == len(few)


def test_a_member_signs_in_through_the_api(client_as, world, party, secretary, members):
    from gongzhi.orglife.testing import notified_meeting

    user = make_user("dy0", area=world.ours.community)
    members[0].user = user
    members[0].save(update_fields=["user"])
    meeting = notified_meeting(secretary, party.ours_branch, on=TODAY + timedelta(days=2))
    api = Session(client_as(user))
    assert api.post(f"/{meeting.pk}/join", {"token": "nope"}).status_code == 404
    joined = api.post(f"/{meeting.pk}/join", {"token": meeting.signin_token})
    assert joined.status_code == 200 and joined.json()["presence"] == "present"
    online = api.post(f"/{meeting.pk}/join", {"token": meeting.signin_token, "online": True})
    assert online.status_code == 422 and error(online)[0] == "online"
