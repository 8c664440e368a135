"""The development API: files, steps refused with the rule and the date, board, quotas."""

import json
import re
from datetime import date
from urllib.parse import urlencode

import pytest

from gongzhi.core.testing import api_key
from gongzhi.development import services
from gongzhi.development.choices import Step
from gongzhi.development.models import DevelopmentFile, StepRecord
from gongzhi.development.testing import advance
from gongzhi.party.testing import id_number

pytestmark = pytest.mark.django_db
API = "/api/v1/development"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


class Api:
    """The test client speaking JSON with a bearer token."""

    def __init__(self, client, user):
        key = api_key(user, name="测试")
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path, **params):
        return self.client.get(API + path, QUERY_STRING=urlencode(params), headers=self.headers)

    def post(self, path, body=None):
        return self.client.post(
            API + path, data=json.dumps(body), content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api_as(client):
    return lambda user: Api(client, user)


@pytest.fixture
def api(api_as, world):
    return api_as(world.users["secretary"])


@pytest.fixture
def theirs(world, party):
    return services.open_file(
        actor=world.users["street_admin"],
        branch=party.sibling_branch,
        name="郑邻里",
        id_number=id_number(date(1997, 4, 5), 73),
        applied_on=date(2029, 11, 1),
    )


def _error(response, status, field=None):
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert CHINESE.search(body["message"])
    if field is not None:
        assert body["field"] == field
    return body


def test_list_and_detail_within_scope_masked(api, open_file, theirs, secretary, members):
    mine = advance(open_file(name="周积极"), secretary, Step.EDUCATE, members)
    listing = api.get("/files")
    assert listing.status_code == 200
    items = listing.json()["items"]
    assert [f["name"] for f in items] == ["周积极"]
    assert items[0]["id_number_masked"] == mine.id_number_masked
    assert mine.id_number_full() not in listing.content.decode()
    assert api.get("/files", stage=1).json()["items"] == []
    detail = api.get(f"/files/{mine.pk}").json()
    assert [s["step"] for s in detail["steps"]] == list(range(1, 7))
    assert detail["plan"]["next_step"] == Step.NAME_OBJECT
    assert detail["plan"]["earliest"] == "2025-07-31"
    assert detail["plan"]["status"] == "ready"
    assert detail["contact_ids"] == [members[0].pk]
    assert mine.id_number_full() not in json.dumps(detail)
    _error(api.get(f"/files/{theirs.pk}"), 404)
    for pk in (0, 999999, 2**63 - 1, 2**63, 10**30):
        assert api.get(f"/files/{pk}").status_code in (404, 422)


def test_open_a_file(api, party, theirs):
    body = {
        "branch_id": party.ours_branch.pk,
        "name": "钱新人",
        "id_number": id_number(date(2000, 1, 2), 81),
        "applied_on": "2029-06-01",
    }
    _error(api.post("/files", {**body, "branch_id": party.sibling_branch.pk}), 404)
    _error(api.post("/files", {**body, "applied_on": "2018-01-01"}), 422, "applied_on")
    _error(api.post("/files", {**body, "id_number": "510107200001020001"}), 422, "id_number")
    _error(api.post("/files", {**body, "name": "a\x00b"}), 422, "name")
    created = api.post("/files", body)
    assert created.status_code == 201
    data = created.json()
    assert data["last_step"] == 1 and data["plan"]["next_step"] == Step.TALK
    assert data["plan"]["due"] == "2029-07-01"
    assert DevelopmentFile.objects.filter(branch=party.ours_branch).count() == 1


def test_record_steps_refused_with_rule_and_date(api, open_file, secretary, members):
    file = advance(open_file(applied_on=date(2026, 1, 31)), secretary, Step.TALK, members)
    talk_on = file.steps.get(step=Step.TALK).on
    body = _error(api.post(f"/files/{file.pk}/steps", {"step": 5, "on": "2026-05-01"}), 422, "step")
    assert "第3步" in body["message"]
    _error(
        api.post(f"/files/{file.pk}/steps", {"step": 3, "on": "2026-05-01", "review_passed": True}),
        422,
        "review_passed",
    )
    _error(
        api.post(f"/files/{file.pk}/steps", {"step": 3, "on": "2026-05-01", "version": 1}),
        409,
    )
    _error(api.post(f"/files/{file.pk}/steps", {"step": 3, "on": "2031-01-01"}), 422, "on")
    ok = api.post(
        f"/files/{file.pk}/steps", {"step": 3, "on": "2026-05-01", "document": "支委会记录"}
    )
    assert ok.status_code == 201
    assert ok.json()["plan"]["next_step"] == 4
    assert StepRecord.objects.get(file=file, step=3).document == "支委会记录"
    assert talk_on < date(2026, 5, 1)
    api.post(f"/files/{file.pk}/steps", {"step": 4, "on": "2026-05-10"})
    body = _error(
        api.post(
            f"/files/{file.pk}/steps",
            {"step": 5, "on": "2026-05-11", "contact_ids": [members[3].pk]},
        ),
        422,
        "contact_ids",
    )
    assert "孙预备" in body["message"]
    _error(
        api.post(
            f"/files/{file.pk}/steps", {"step": 5, "on": "2026-05-11", "contact_ids": [10**12]}
        ),
        422,
        "contact_ids",
    )
    ok = api.post(
        f"/files/{file.pk}/steps", {"step": 5, "on": "2026-05-11", "contact_ids": [members[0].pk]}
    )
    assert ok.json()["contact_ids"] == [members[0].pk]
    api.post(f"/files/{file.pk}/steps", {"step": 6, "on": "2026-05-20"})
    body = _error(
        api.post(
            f"/files/{file.pk}/steps",
            {"step": 7, "on": "2027-04-30", "publicity_from": "2027-04-01"},
        ),
        422,
        "on",
    )
    assert "2027-05-01" in body["message"]


def test_vote_quorum_through_the_api(api, open_file, secretary, members):
    file = advance(open_file(), secretary, Step.VOLUNTEER_FORM, members)
    on = file.steps.get(step=Step.VOLUNTEER_FORM).on.isoformat()
    vote = {"step": 15, "on": on, "entitled": 10, "present": 5, "votes_for": 5}
    _error(api.post(f"/files/{file.pk}/steps", vote), 422, "present")
    _error(api.post(f"/files/{file.pk}/steps", {**vote, "present": 6}), 422, "votes_for")
    _error(api.post(f"/files/{file.pk}/steps", {**vote, "present": -1}), 422, "present")
    ok = api.post(f"/files/{file.pk}/steps", {**vote, "present": 6, "votes_for": 6})
    assert ok.status_code == 201
    assert ok.json()["steps"][-1]["votes_for"] == 6


def test_reviews_and_ending(api, open_file, secretary, members):
    file = advance(open_file(), secretary, Step.EDUCATE, members)
    reviewed = api.post(f"/files/{file.pk}/reviews", {"on": "2025-01-31", "content": "表现良好"})
    assert reviewed.status_code == 201
    assert reviewed.json()["reviews"][0]["content"] == "表现良好"
    _error(
        api.post(f"/files/{file.pk}/end", {"on": "2025-02-01", "reason": "cancelled"}),
        422,
        "reason",
    )
    ended = api.post(f"/files/{file.pk}/end", {"on": "2025-02-01", "reason": "withdrew"})
    assert ended.status_code == 200 and ended.json()["state"] == "ended"


def test_pipeline_warnings_quotas(api, api_as, world, party, open_file, theirs, secretary, members):
    advance(
        open_file(), secretary, Step.NAME_ACTIVIST, members, overrides={3: {"on": date(2029, 3, 1)}}
    )
    boards = api.get("/pipeline").json()
    assert [b["branch_id"] for b in boards] == [party.ours_branch.pk]
    row = boards[0]["files"][0]
    assert row["plan"]["next_step"] == Step.FILE_ACTIVIST
    assert boards[0]["counts"]["2"] == 1
    _error(api.get("/pipeline", branch_id=party.sibling_branch.pk), 404)
    assert api.get("/pipeline", branch_id=party.ours_branch.pk).status_code == 200
    assert api.get("/warnings").json() != []  # the activist's half-year review is overdue
    quotas = api.get("/quotas", year=2029).json()
    assert [(q["community_name"], q["activists"], q["met"]) for q in quotas] == [
        (world.ours.community.name, 1, False)
    ]
    _error(api.get("/quotas", year=1999), 422, "year")
    street = api_as(world.users["street_admin"])
    assert {w["name"] for w in street.get("/warnings").json()} >= {"郑邻里"}


def test_roles_without_development_rights(api_as, world, open_file, theirs, party):
    mine = open_file()
    grid = api_as(world.users["grid_worker"])
    assert grid.get("/files").json()["count"] == 0
    _error(grid.get(f"/files/{mine.pk}"), 404)
    _error(grid.post(f"/files/{mine.pk}/steps", {"step": 2, "on": "2024-06-10"}), 404)
    assert grid.get("/pipeline").json() == []
    assert grid.get("/quotas").json() == []
    assert not StepRecord.objects.filter(file=mine, step=2).exists()
