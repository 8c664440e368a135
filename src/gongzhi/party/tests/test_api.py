"""The party API: scope, masking (no full ID number ever), lifecycle and transfer routes,
optimistic locking and machine-readable errors; a schema fuzz over the party routes with
real ids of both communities."""

import json
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import schemathesis
import time_machine
from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from gongzhi.core.models import AuditLog
from gongzhi.core.testing import api_key
from gongzhi.party import services
from gongzhi.party.choices import Category, MemberStatus, Standing, TransferState
from gongzhi.party.models import CommitteeSeat, Member, Organization, Transfer
from gongzhi.party.testing import add_member, id_number

API = "/api/v1"
FULL_ID = id_number(date(1980, 5, 6), 1)


@pytest.fixture(autouse=True)
def _frozen():
    moment = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


class Api:
    """The test client speaking JSON with a bearer token."""

    def __init__(self, client, key):
        self.client, self.headers = client, {"Authorization": f"Bearer {key}"}

    def __call__(self, method, path, body=None, **params):
        kwargs = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=json.dumps(body, default=str), content_type="application/json")
        if params:
            kwargs["QUERY_STRING"] = urlencode(params)
        return getattr(self.client, method)(API + path, **kwargs)

    def get(self, path, **params):
        return self("get", path, **params)

    def post(self, path, body=None):
        return self("post", path, {} if body is None else body)


def _api(client, user):
    key = api_key(user, name="测试")
    return Api(client, key)


@pytest.fixture
def api(world, client):
    return _api(client, world.users["secretary"])


@pytest.fixture
def street_api(world, client):
    return _api(client, world.users["street_admin"])


@pytest.fixture
def member(world, party):
    return add_member(
        world.users["secretary"], party.ours_branch, phone="13812345678", skills="法律咨询"
    )


@pytest.fixture
def neighbour(world, party):
    return add_member(
        world.users["street_admin"], party.sibling_branch, "邻居", serial=7, skills="法律咨询"
    )


def _error(response, status, code=None, field=None):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    if code:
        assert error["code"] == code
    if field:
        assert error["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])  # a Chinese reason
    return error


# --- Members: scope and masking ---------------------------------------------------------


def test_member_list_is_scoped_and_masked(api, member, neighbour):
    response = api.get("/members")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [m["name"] for m in items] == ["张小明"]
    assert items[0]["id_number_masked"] == member.id_number_masked
    assert items[0]["phone_masked"] == "138****5678"
    body = response.content.decode()
    assert FULL_ID not in body and "13812345678" not in body and "id_number_enc" not in body


def test_member_detail_has_no_full_id_and_sibling_is_not_found(api, member, neighbour):
    response = api.get(f"/members/{member.pk}")
    assert response.status_code == 200
    data = response.json()
    assert "id_number" not in data and FULL_ID not in response.content.decode()
    assert data["organization_name"] == "和顺社区第一党支部" and data["version"] == 1
    _error(api.get(f"/members/{neighbour.pk}"), 404, "not_found")
    _error(api.get(f"/members/{neighbour.pk}/events"), 404, "not_found")


def test_member_filters_match_the_page(world, party, api, member):
    sec = world.users["secretary"]
    add_member(sec, party.ours_grid_branch, "流动者", serial=2, category=Category.FLOATING)
    gone = add_member(sec, party.ours_branch, "已除名者", serial=3)
    services.remove_member(gone, actor=sec, version=1, on=date(2026, 5, 1), reason="依规除名")

    def names(**params):
        response = api.get("/members", **params)
        assert response.status_code == 200, response.content
        return {m["name"] for m in response.json()["items"]}

    assert names() == {"张小明", "流动者"}
    assert names(standing="all") == {"张小明", "流动者", "已除名者"}
    assert names(organization=party.ours_grid_branch.pk) == {"流动者"}
    assert names(category="floating", phone="5678") == set()
    assert names(id_number=member.id_tail) == {"张小明"}
    assert names(warning="floating_uncontacted") == {"流动者"}  # never contacted
    _error(api.get("/members", organization=party.sibling_branch.pk), 422, field="organization")
    _error(api.get("/members", standing="gone"), 422, "validation_error", "standing")


def test_talent_search(world, party, api, street_api, member, neighbour):
    response = api.get("/members/talent", skill="法律")
    assert [m["name"] for m in response.json()["items"]] == ["张小明"]
    both = street_api.get("/members/talent", skill="法律 咨询")
    assert {m["name"] for m in both.json()["items"]} == {"张小明", "邻居"}
    within = street_api.get("/members/talent", skill="法律", area_id=world.sibling.community.pk)
    assert [m["name"] for m in within.json()["items"]] == ["邻居"]
    _error(api.get("/members/talent", skill="法律", area_id=world.sibling.community.pk), 404)


# --- Members: writes ----------------------------------------------------------------------


def _new_member(party, **overrides):
    body = {
        "organization_id": party.ours_branch.pk,
        "name": "新党员",
        "id_number": id_number(date(1990, 2, 3), 11),
        "status": "full",
        "category": "in_service",
        "applied_on": "2012-01-05",
        "admitted_on": "2013-07-01",
        "converted_on": "2014-07-01",
        "phone": "13900001111",
        "employer": "区司法局",
        "skills": "法律咨询",
    }
    body.update(overrides)
    return body


def test_register_member_returns_only_the_masked_id(party, api):
    response = api.post("/members", _new_member(party))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["id_number_masked"].startswith("5101") and "*" in data["id_number_masked"]
    assert id_number(date(1990, 2, 3), 11) not in response.content.decode()
    member = Member.objects.get(pk=data["id"])
    assert member.category == Category.IN_SERVICE and member.phone == "13900001111"
    assert AuditLog.objects.filter(action="party.member.registered").exists()


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"id_number": id_number(date(1990, 2, 3), 11)[:-1] + "0"}, 422, "id_number"),
        (
            {"id_number": id_number(date(1995, 6, 2), 12), "applied_on": "2013-06-01"},
            422,
            "applied_on",
        ),
        ({"admitted_on": "2011-12-31"}, 422, "admitted_on"),
        ({"converted_on": None}, 422, "converted_on"),
        ({"phone": "12345"}, 422, "phone"),
        ({"admitted_on": "9999-01-01"}, 422, "admitted_on"),
        ({"status": "honorary"}, 422, "status"),
        ({"name": "x" * 51}, 422, "name"),
        ({"name": "a\x00b"}, 422, "name"),
        ({"organization_id": 2**70}, 422, "organization_id"),
    ],
)
def test_register_refusals(party, api, overrides, status, field):
    _error(api.post("/members", _new_member(party, **overrides)), status, field=field)
    assert not Member.objects.filter(name="新党员").exists()


def test_register_twice_or_out_of_scope(party, api, member):
    _error(api.post("/members", _new_member(party, id_number=FULL_ID)), 422, field="id_number")
    sibling = _new_member(party, organization_id=party.sibling_branch.pk)
    _error(api.post("/members", sibling), 404, "not_found")
    _error(api.post("/members", [1, 2]), 422, "validation_error")
    malformed = api.client.post(
        f"{API}/members", data="{", content_type="application/json", headers=api.headers
    )
    _error(malformed, 400)
    assert Member.objects.count() == 1


def test_patch_member_and_stale_version(world, api, member):
    household = world.ours.households[0]
    response = api(
        "patch",
        f"/members/{member.pk}",
        {"version": 1, "skills": "法律咨询 书法", "household_id": household.pk, "education": None},
    )
    assert response.status_code == 200, response.content
    assert response.json()["household_id"] == household.pk and response.json()["version"] == 2
    _error(api("patch", f"/members/{member.pk}", {"version": 1, "skills": "覆盖"}), 409, "conflict")
    _error(api("patch", f"/members/{member.pk}", {"version": 2, "name": None}), 422, field="name")
    foreign = {"version": 2, "household_id": world.sibling.households[0].pk}
    _error(api("patch", f"/members/{member.pk}", foreign), 404)
    assert Member.objects.get(pk=member.pk).skills == "法律咨询 书法"


def test_lifecycle_routes(world, party, api):
    member = add_member(
        world.users["secretary"],
        party.ours_branch,
        status=MemberStatus.PROBATIONARY,
        on=date(2025, 11, 1),
    )
    base = f"/members/{member.pk}"
    moved = api.post(f"{base}/move", {"version": 1, "to_org_id": party.ours_grid_branch.pk})
    assert moved.status_code == 200 and moved.json()["organization_id"] == party.ours_grid_branch.pk
    cat = api.post(f"{base}/category", {"version": 2, "category": "floating", "note": "外出"})
    assert cat.json()["category"] == "floating"
    _error(
        api.post(f"{base}/convert", {"version": 3, "on": "2000-01-01"}), 422, field="converted_on"
    )
    assert (
        api.post(f"{base}/convert", {"version": 3, "on": "2026-05-01"}).json()["status"] == "full"
    )
    suspended = api.post(f"{base}/suspend", {"version": 4, "on": "2026-05-02"})
    assert suspended.json()["standing"] == "suspended"
    restored = api.post(f"{base}/restore", {"version": 5})
    assert restored.json()["standing"] == "active" and restored.json()["last_contact_on"]
    contact = api.post(f"{base}/contact", {"method": "电话", "note": "在深圳"})
    assert contact.status_code == 200 and contact.json()["last_contact_on"] == "2026-06-01"
    _error(api.post(f"{base}/remove", {"version": 6, "reason": ""}), 422, field="reason")
    _error(api.post(f"{base}/death", {"version": 5}), 409, "conflict")
    assert api.post(f"{base}/death", {"version": 6}).json()["standing"] == "deceased"
    kinds = [e["kind"] for e in api.get(f"{base}/events").json()]
    for kind in ("moved", "category_changed", "converted", "suspended", "restored", "deceased"):
        assert kind in kinds


def test_suspension_refused_before_six_months(world, party, api, member):
    _error(api.post(f"/members/{member.pk}/suspend", {"version": 1}), 422, field="standing")
    assert Member.objects.get(pk=member.pk).standing == Standing.ACTIVE


def test_sibling_member_actions_are_not_found(world, party, api, neighbour):
    for action, body in [
        ("death", {"version": 1}),
        ("contact", {"method": "电话"}),
        ("move", {"version": 1, "to_org_id": party.ours_branch.pk}),
    ]:
        _error(api.post(f"/members/{neighbour.pk}/{action}", body), 404, "not_found")
    assert Member.objects.get(pk=neighbour.pk).version == 1


# --- Organizations -------------------------------------------------------------------------


def test_organization_tree_with_counts(world, party, api, member):
    response = api.get("/organizations/tree")
    nodes = {n["name"]: n for n in response.json()}
    assert set(nodes) == {"和顺社区党委", "和顺社区第一党支部", "和顺第1网格党支部"}
    assert nodes["和顺社区党委"]["subtree_members"] == 1
    assert nodes["和顺社区第一党支部"]["members"] == 1
    assert any("正式党员不足3名" in w for w in nodes["和顺社区第一党支部"]["warnings"])
    sub = api.get("/organizations/tree", root_id=party.ours_grid_branch.pk).json()
    assert [n["name"] for n in sub] == ["和顺第1网格党支部"]
    _error(api.get("/organizations/tree", root_id=party.sibling_committee.pk), 404)


def test_organization_crud_and_scope(world, party, api):
    listed = api.get("/organizations", org_type="grid_branch").json()["items"]
    assert [o["name"] for o in listed] == ["和顺第1网格党支部"]
    body = {
        "parent_id": party.ours_committee.pk,
        "name": "和顺社区第二党支部",
        "org_type": "branch",
        "area_id": world.ours.community.pk,
    }
    created = api.post("/organizations", body)
    assert created.status_code == 201 and created.json()["term_years"] == 3
    org_id = created.json()["id"]
    _error(api.post("/organizations", {**body, "parent_id": party.sibling_committee.pk}), 404)
    _error(api.post("/organizations", {**body, "org_type": "cell"}), 422, field="org_type")
    wrong_area = {**body, "parent_id": party.ours_grid_branch.pk, "org_type": "group"}
    _error(api.post("/organizations", wrong_area), 422, field="area")
    patched = api("patch", f"/organizations/{org_id}", {"version": 1, "name": "第二支部"})
    assert patched.json()["name"] == "第二支部"
    _error(api("patch", f"/organizations/{org_id}", {"version": 1, "name": "X"}), 409)
    renewed = api.post(
        f"/organizations/{party.ours_committee.pk}/renew",
        {"version": 1, "started_on": "2026-05-20"},
    )
    assert renewed.json()["term_ends_on"] == "2031-05-20"
    _error(api.get(f"/organizations/{party.sibling_branch.pk}"), 404)
    _error(api("patch", f"/organizations/{party.sibling_branch.pk}", {"version": 1}), 404)
    assert Organization.objects.get(pk=party.sibling_branch.pk).version == 1


def test_committee_seats(world, party, api, member):
    url = f"/organizations/{party.ours_committee.pk}/seats"
    added = api.post(url, {"member_id": member.pk, "post": "secretary", "started_on": "2026-05-01"})
    assert added.status_code == 201 and added.json()["member_name"] == "张小明"
    _error(
        api.post(url, {"member_id": member.pk, "post": "member", "started_on": "2026-05-01"}),
        422,
        field="member",
    )
    assert [s["post"] for s in api.get(url).json()] == ["secretary"]
    seat = CommitteeSeat.objects.get()
    _error(api("delete", f"/organizations/{party.sibling_committee.pk}/seats/{seat.pk}"), 404)
    assert api("delete", f"{url}/{seat.pk}").status_code == 204
    assert not CommitteeSeat.objects.exists()


# --- Transfers -------------------------------------------------------------------------------


def test_internal_transfer_flow(world, party, api, member):
    body = {
        "member_id": member.pk,
        "to_org_id": party.ours_grid_branch.pk,
        "letter_no": "和顺组转1",
        "issued_on": "2026-05-20",
    }
    sent = api.post("/transfers", body)
    assert sent.status_code == 201, sent.content
    transfer = sent.json()
    assert transfer["state"] == "sent" and transfer["valid_until"] == "2026-08-20"
    assert transfer["next_actions"] == ["cancel", "receive", "return"] and not transfer["overdue"]
    _error(api.post("/transfers", body), 422, field="member")  # one open transfer at a time
    base = f"/transfers/{transfer['id']}"
    _error(api.post(f"{base}/return", {"version": 1, "reason": ""}), 422, field="reason")
    _error(api.post(f"{base}/confirm", {"version": 1}), 422, field="state")
    received = api.post(f"{base}/receive", {"version": 1, "on": "2026-05-25"})
    assert received.json()["state"] == "received"
    assert Member.objects.get(pk=member.pk).organization == party.ours_grid_branch
    _error(api.post(f"{base}/receive", {"version": 1}), 409, "conflict")
    done = api.post(f"{base}/confirm", {"version": 2})
    assert done.json()["state"] == "completed" and done.json()["completed_on"] == "2026-06-01"
    assert [t["letter_no"] for t in api.get("/transfers", state="completed").json()["items"]] == [
        "和顺组转1"
    ]


def test_transfer_to_the_sibling_and_both_sides(world, party, api, street_api, member):
    body = {
        "member_id": member.pk,
        "to_org_id": party.sibling_branch.pk,
        "letter_no": "越界1",
        "issued_on": "2026-05-20",
    }
    _error(api.post("/transfers", body), 404)  # the secretary cannot see the sibling branch
    assert not Transfer.objects.exists()
    sent = street_api.post("/transfers", body)
    assert sent.status_code == 201
    transfer_id = sent.json()["id"]
    assert [t["id"] for t in api.get("/transfers").json()["items"]] == [transfer_id]
    _error(api.post(f"/transfers/{transfer_id}/receive", {"version": 1}), 404)
    assert Transfer.objects.get().state == TransferState.SENT
    assert api.post(f"/transfers/{transfer_id}/cancel", {"version": 1}).json()["state"] == (
        "cancelled"
    )


def test_sibling_transfer_not_found_and_overdue_flag(world, party, api, member, neighbour):
    theirs = services.send_transfer(
        neighbour,
        actor=world.users["street_admin"],
        external_org="外省党委",
        letter_no="邻里转1",
        issued_on=date(2026, 1, 1),
    )
    _error(api.get(f"/transfers/{theirs.pk}"), 404)
    _error(api.post(f"/transfers/{theirs.pk}/cancel", {"version": 1}), 404)
    ours = services.send_transfer(
        member,
        actor=world.users["secretary"],
        to_org=party.ours_grid_branch,
        letter_no="过期1",
        issued_on=date(2026, 2, 1),
    )
    overdue = api.get("/transfers", overdue=True).json()["items"]
    assert [t["id"] for t in overdue] == [ours.pk] and overdue[0]["overdue"] is True
    late = api.post(f"/transfers/{ours.pk}/receive", {"version": 1})
    assert "过期" in _error(late, 422, field="received_on")["message"]


def test_receive_from_outside(world, party, api):
    letter = {
        "to_org_id": party.ours_branch.pk,
        "external_org": "某省某市某支部",
        "letter_no": "外转1",
        "issued_on": "2026-05-10",
        "received_on": "2026-05-20",
    }
    _error(api.post("/transfers/receive-from-outside", letter), 422, field="member_id")
    new_member = {k: v for k, v in _new_member(party).items() if k != "organization_id"}
    created = api.post("/transfers/receive-from-outside", {**letter, "new_member": new_member})
    assert created.status_code == 201 and created.json()["kind"] == "in"
    pocket = add_member(
        world.users["secretary"], party.ours_branch, "口袋人", serial=22, category=Category.POCKET
    )
    converted = api.post(
        "/transfers/receive-from-outside", {**letter, "letter_no": "外转2", "member_id": pocket.pk}
    )
    assert converted.status_code == 201
    assert Member.objects.get(pk=pocket.pk).category == Category.SELF_MANAGED
    late = {**letter, "letter_no": "外转3", "received_on": "2026-09-01", "member_id": pocket.pk}
    _error(api.post("/transfers/receive-from-outside", late), 422)


@pytest.mark.parametrize("path", ["/members", "/members/talent", "/transfers", "/organizations"])
def test_api_lists_do_not_grow_queries_with_rows(world, party, api, path):
    sec = world.users["secretary"]

    def add(first, count):
        for i in range(first, first + count):
            m = add_member(sec, party.ours_branch, f"甲{i}", serial=i, skills="法律")
            services.send_transfer(
                m,
                actor=sec,
                to_org=party.ours_grid_branch,
                letter_no=f"L{i}",
                issued_on=date(2026, 5, 1),
            )
            services.create_organization(
                actor=sec,
                parent=party.ours_committee,
                name=f"支部{i}",
                org_type="branch",
                area=world.ours.community,
            )

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(path)
        assert response.status_code == 200 and response.json()["count"] >= 3
        return len(ctx.captured_queries)

    add(0, 3)
    queries()  # warm up: the first call also stamps the token's last use
    baseline = queries()
    add(3, 27)
    assert queries() == baseline


def test_unauthenticated_requests_are_refused(client, party):
    response = client.get(f"{API}/members")
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"


# --- Fuzz ------------------------------------------------------------------------------------

# The party routes of the schema; each operation is one test, fuzzed with real ids.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    path_regex=r"^/api/v1/(organizations|members|transfers)"
)
ID_MODELS = {
    "organization_id": Organization,
    "to_org_id": Organization,
    "parent_id": Organization,
    "root_id": Organization,
    "member_id": Member,
    "transfer_id": Transfer,
}


@pytest.fixture
def fuzz_key(world, party, member, neighbour):
    """A secretary's token over a world with members and a transfer on both sides; the
    WSGI handler must not close the test transaction's connection between requests."""
    services.send_transfer(
        member,
        actor=world.users["secretary"],
        to_org=party.ours_grid_branch,
        letter_no="F1",
        issued_on=date(2026, 5, 1),
    )
    request_started.disconnect(close_old_connections)
    key = api_key(world.users["secretary"], name="fuzz")
    try:
        yield key
    finally:
        request_started.connect(close_old_connections)


def _fold_ids(case) -> None:
    for container in (case.path_parameters, case.query, case.body):
        if not isinstance(container, dict):
            continue
        for name, model in ID_MODELS.items():
            value = container.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value % 3:
                ids = sorted(model.objects.values_list("pk", flat=True))
                container[name] = ids[value % len(ids)]


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_party_routes_never_fail_on_fuzzed_input(case, fuzz_key):
    _fold_ids(case)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_key}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
