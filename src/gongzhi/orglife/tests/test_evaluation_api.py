"""民主评议 over the API: a whole round through the routes, JSON 4xx refusals with their
field, scope (404), and the member's own routes."""

import json
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gongzhi.core.testing import api_key, sign_in
from gongzhi.party.choices import EventKind, Standing
from gongzhi.party.models import Member, MemberEvent

from ..choices import Grade
from ..models import Correction, Evaluation, EvaluationRound
from .evaluation_fixtures import held_meeting, members

pytestmark = pytest.mark.django_db
API = "/api/v1/orglife/evaluations"
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


class Api:
    """JSON with a bearer token, or (a member without an API role) signed in."""

    def __init__(self, client, user):
        self.client, self.headers = client, {}
        if user.may_use_api:
            self.headers = {"Authorization": f"Bearer {api_key(user, name='测试')}"}
        else:
            sign_in(client, user)

    def get(self, path, **params):
        return self.client.get(API + path, QUERY_STRING=urlencode(params), headers=self.headers)

    def post(self, path, body=None):
        return self.client.post(
            API + path,
            data=json.dumps(body or {}),
            content_type="application/json",
            headers=self.headers,
        )


def error(response, status, field=None):
    assert response.status_code == status, response.content
    body = response.json()["error"]
    if field is not None:
        assert body["field"] == field, body
    return body["message"]


@pytest.fixture
def secretary_api(client, world):
    return Api(client, world.users["branch_secretary"])


def start(api, party, world, n=4):
    people = members(world, party.ours_branch, n)
    answer = api.post("/rounds", {"organization_id": party.ours_branch.pk, "year": 2026})
    assert answer.status_code == 201, answer.content
    return answer.json(), people


def test_a_whole_round_through_the_api(client, world, party, secretary_api):
    created, people = start(secretary_api, party, world, 4)
    rid = created["id"]
    detail = secretary_api.get(f"/rounds/{rid}").json()
    assert detail["progress"]["evaluated"] == 4 and detail["progress"]["cap"] == 1
    assert detail["allowed"] == ["open_peer"]
    entries = {e["member_id"]: e["id"] for e in detail["entries"]}

    from django.test import Client

    def member_api(member):
        return Api(Client(), member.user)

    first = member_api(people[0])
    answer = first.post(f"/entries/{entries[people[0].pk]}/self-assessment", {"text": "本人自评"})
    assert answer.status_code == 200 and answer.json()["self_assessment"] == "本人自评"
    mine = first.get("/mine").json()
    assert mine[0]["round"]["id"] == rid and len(mine[0]["peers"]) == 3

    version = secretary_api.get(f"/rounds/{rid}").json()["round"]["version"]
    assert secretary_api.post(f"/rounds/{rid}/open_peer", {"version": version}).status_code == 200
    answer = first.post(f"/entries/{entries[people[1].pk]}/comments", {"text": "积极"})
    assert answer.status_code == 201
    error(first.post(f"/entries/{entries[people[1].pk]}/comments", {"text": "再评"}), 422, "text")
    error(first.post(f"/entries/{entries[people[0].pk]}/comments", {"text": "自己"}), 422, "text")

    version = secretary_api.get(f"/rounds/{rid}").json()["round"]["version"]
    secretary_api.post(f"/rounds/{rid}/open_vote", {"version": version})
    ballot = {"choices": [{"evaluation_id": e, "grade": "qualified"} for e in entries.values()]}
    answer = first.post(f"/rounds/{rid}/ballot", ballot)
    assert answer.status_code == 201 and answer.json() == {"round_id": rid, "voted": True}
    assert "只能投一次" in error(first.post(f"/rounds/{rid}/ballot", ballot), 422, "ballot")
    paper = {
        "ballots": 2,
        "tallies": [{"evaluation_id": entries[people[3].pk], "unqualified": 2, "qualified": 1}],
    }
    error(
        secretary_api.post(f"/rounds/{rid}/paper", paper),
        422,
        f"e{entries[people[3].pk]}_excellent",
    )
    paper["tallies"][0]["qualified"] = 0
    detail = secretary_api.post(f"/rounds/{rid}/paper", paper).json()
    assert detail["progress"]["ballots"] == 3 and detail["round"]["paper_ballots"] == 2

    version = detail["round"]["version"]
    detail = secretary_api.post(f"/rounds/{rid}/close_vote", {"version": version}).json()
    grades = [
        {"evaluation_id": entries[people[0].pk], "grade": "excellent"},
        {"evaluation_id": entries[people[1].pk], "grade": "excellent"},
        {"evaluation_id": entries[people[2].pk], "grade": "qualified"},
        {"evaluation_id": entries[people[3].pk], "grade": "unqualified"},
    ]
    message = error(
        secretary_api.post(
            f"/rounds/{rid}/proposal", {"version": detail["round"]["version"], "grades": grades}
        ),
        422,
        "grades",
    )
    assert message == "优秀不得超过参评党员的三分之一（4人中最多1人），当前2人"
    grades[1]["grade"] = "qualified"
    detail = secretary_api.post(
        f"/rounds/{rid}/proposal", {"version": detail["round"]["version"], "grades": grades}
    ).json()
    assert "decide" in detail["allowed"]

    thin = held_meeting(party.ours_branch, people, present=2)
    body = {
        "version": detail["round"]["version"],
        "meeting_id": thin.pk,
        "decided_on": "2026-11-20",
    }
    assert "到会党员2人，应到4人" in error(
        secretary_api.post(f"/rounds/{rid}/decide", body), 422, "meeting"
    )
    body["meeting_id"] = held_meeting(party.ours_branch, people, present=3).pk
    error(
        secretary_api.post(f"/rounds/{rid}/decide", {**body, "decided_on": "2026-12-06"}),
        422,
        "decided_on",
    )
    detail = secretary_api.post(f"/rounds/{rid}/decide", body).json()
    assert detail["round"]["state"] == "decided"
    assert {e["grade"] for e in detail["entries"]} == {"excellent", "qualified", "unqualified"}
    assert MemberEvent.objects.filter(kind=EventKind.EVALUATED).count() == 4

    unqualified = entries[people[3].pk]
    late = {"plan": "按时参加组织生活", "deadline": "2027-11-21"}
    assert "2027-11-20" in error(
        secretary_api.post(f"/entries/{unqualified}/correction", late), 422, "deadline"
    )
    answer = secretary_api.post(
        f"/entries/{unqualified}/correction", {**late, "deadline": "2027-11-20"}
    )
    assert answer.status_code == 201 and answer.json()["allowed"] == ["corrected"]
    cid = answer.json()["id"]
    answer = secretary_api.post(
        f"/corrections/{cid}/followups", {"on": "2026-12-01", "note": "谈心谈话"}
    )
    assert answer.status_code == 201
    detail = secretary_api.get(f"/corrections/{cid}").json()
    assert detail["followups"][0]["note"] == "谈心谈话"
    close = {"version": detail["version"], "outcome": "not_corrected", "on": "2026-12-05"}
    error(secretary_api.post(f"/corrections/{cid}/close", close), 422, "outcome")
    close["outcome"] = "corrected"
    assert secretary_api.post(f"/corrections/{cid}/close", close).json()["state"] == "corrected"
    listed = secretary_api.get("/rounds", year=2026).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == rid


def test_removal_after_not_corrected_is_an_explicit_action(world, party, secretary_api):
    from gongzhi.orglife import evaluation as services

    people = members(world, party.ours_branch, 3, accounts=False)
    secretary = world.users["branch_secretary"]
    round = services.start_round(actor=secretary, organization=party.ours_branch, year=2025)
    for action in ("open_peer", "open_vote"):
        round = services.advance(round, actor=secretary, version=round.version, action=action)
    services.record_paper_ballots(round, actor=secretary, ballots=3, tallies={})
    round = services.advance(
        EvaluationRound.objects.get(pk=round.pk),
        actor=secretary,
        version=round.version,
        action="close_vote",
    )
    entries = list(Evaluation.objects.filter(round=round).order_by("id"))
    grades = {e.pk: Grade.QUALIFIED for e in entries}
    grades[entries[0].pk] = Grade.UNQUALIFIED
    round = services.propose_grades(round, actor=secretary, version=round.version, grades=grades)
    meeting = held_meeting(party.ours_branch, people, present=3, on=date(2025, 12, 10))
    round = services.decide(
        round,
        actor=secretary,
        version=round.version,
        meeting=meeting,
        decided_on=date(2025, 12, 10),
    )
    correction = services.start_correction(
        Evaluation.objects.get(pk=entries[0].pk),
        actor=secretary,
        plan="计划",
        deadline=date(2026, 6, 30),
    )
    listed = secretary_api.get("/corrections", due=True).json()
    assert [c["id"] for c in listed["items"]] == [correction.pk]
    close = {"version": correction.version, "outcome": "not_corrected", "on": "2026-12-05"}
    assert secretary_api.post(f"/corrections/{correction.pk}/close", close).status_code == 200
    member = Member.objects.get(pk=entries[0].member_id)
    assert member.standing == Standing.ACTIVE
    body = {"version": member.version, "on": "2026-12-05", "reason": "限期改正逾期未改正"}
    assert secretary_api.post(f"/corrections/{correction.pk}/removal", body).status_code == 200
    assert Member.objects.get(pk=member.pk).standing == Standing.REMOVED
    assert Correction.objects.get().state == "not_corrected"


def test_another_communitys_rounds_are_not_found(world, party, secretary_api):
    from gongzhi.orglife import evaluation as services

    members(world, party.sibling_branch, 2, accounts=False)
    round = services.start_round(
        actor=world.users["district_admin"], organization=party.sibling_branch, year=2026
    )
    entry = round.entries.first()
    error(secretary_api.get(f"/rounds/{round.pk}"), 404)
    error(secretary_api.post(f"/rounds/{round.pk}/open_peer", {"version": 1}), 404)
    error(secretary_api.post(f"/entries/{entry.pk}/self-assessment", {"text": "x"}), 404)
    error(
        secretary_api.post("/rounds", {"organization_id": party.sibling_branch.pk, "year": 2025}),
        404,
    )
    assert secretary_api.get("/rounds").json()["count"] == 0
    assert EvaluationRound.objects.get(pk=round.pk).state == "self"


def test_a_non_member_of_the_round_cannot_vote(client, world, party, secretary_api):
    created, people = start(secretary_api, party, world, 2)
    rid = created["id"]
    for action in ("open_peer", "open_vote"):
        version = secretary_api.get(f"/rounds/{rid}").json()["round"]["version"]
        secretary_api.post(f"/rounds/{rid}/{action}", {"version": version})
    outsider = members(world, party.ours_grid_branch, 1, prefix="网格")[0]
    from django.test import Client

    api = Api(Client(), outsider.user)
    entries = [e.pk for e in Evaluation.objects.filter(round_id=rid)]
    ballot = {"choices": [{"evaluation_id": e, "grade": "qualified"} for e in entries]}
    error(api.post(f"/rounds/{rid}/ballot", ballot), 404)
    assert EvaluationRound.objects.get(pk=rid).online_ballots == 0


def test_bad_input_is_a_422_never_a_500(world, party, secretary_api):
    created, people = start(secretary_api, party, world, 2)
    rid = created["id"]
    assert secretary_api.post(f"/rounds/{rid}/open_peer", {"version": "x"}).status_code == 422
    assert (
        secretary_api.post(
            f"/rounds/{rid}/proposal",
            {"version": 1, "grades": [{"evaluation_id": 1, "grade": "perfect"}]},
        ).status_code
        == 422
    )
    assert (
        secretary_api.post(
            "/rounds", {"organization_id": party.ours_branch.pk, "year": 3000}
        ).status_code
        == 422
    )
    error(secretary_api.post(f"/rounds/{rid}/open_vote", {"version": 1}), 422, "state")
    error(secretary_api.get("/rounds/999999"), 404)
