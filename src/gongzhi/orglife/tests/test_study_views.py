"""Pages and API of study hours and talks: scope, the member's own ledger, entering for
many at once, the Excel export and import, the talks page with the missing pairs."""

import io
import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from gongzhi.core.testing import api_key, sign_in
from gongzhi.orglife.choices import StudyKind, TalkPair
from gongzhi.orglife.models import StudyRecord, Talk
from gongzhi.orglife.study_imports import CourseImporter
from gongzhi.party import services as party_services
from gongzhi.party.choices import CommitteePost
from gongzhi.party.testing import add_member, id_number

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
API = "/api/v1/orglife/study"


OCTOBER = datetime(2026, 10, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _frozen(request):
    """15 June 2026; 1 October (the fourth quarter) for a test named ``…from_october``."""
    when = OCTOBER if request.node.name.endswith("from_october") else NOW
    with time_machine.travel(when, tick=False):
        yield


@pytest.fixture
def people(world, party):
    admin = world.users["district_admin"]
    ours = [
        add_member(admin, party.ours_branch, n, serial=s)
        for n, s in (("甲", 71), ("乙", 72), ("丙", 73))
    ]
    party_services.add_seat(
        actor=admin,
        organization=party.ours_branch,
        member=ours[0],
        post=CommitteePost.SECRETARY,
        started_on=date(2024, 1, 1),
    )
    stranger = add_member(admin, party.sibling_branch, "邻里党员", serial=74)
    return ours, stranger


def line(member, on, hours, **kw):
    return StudyRecord.objects.create(
        member=member,
        year=on.year,
        on=on,
        kind=kw.pop("kind", StudyKind.COURSE),
        title="学习",
        hours=Decimal(hours),
        **kw,
    )


def test_summary_page_and_its_excel(client_as, world, party, people):
    ours, _stranger = people
    line(ours[1], date(2026, 3, 1), "31.5")
    client = client_as(world.users["secretary"])
    url = reverse("orglife:study_summary")
    page = client.get(url, {"organization": party.ours_branch.pk, "year": 2026, "order": "missing"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "乙" in text and "31.5" in text and "<progress" in text and "style=" not in text
    export = client.get(url, {"organization": party.ours_branch.pk, "year": 2026, "export": "xlsx"})
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "身份", "本年学时")
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["乙"][1] == "党员" and float(by_name["乙"][2]) == 31.5
    assert float(by_name["乙"][4]) == 0.5
    assert by_name["甲"][3] == 56  # the secretary needs 56
    # Another community's branch: 404.
    assert client.get(url, {"organization": party.sibling_branch.pk}).status_code == 404


def test_member_ledger_page_and_scope(client_as, world, people):
    ours, stranger = people
    line(ours[1], date(2025, 12, 31), "30")
    line(ours[1], date(2026, 1, 1), "2")
    client = client_as(world.users["secretary"])
    page = client.get(reverse("orglife:study_member", args=[ours[1].pk]), {"year": 2026})
    assert page.status_code == 200
    text = page.content.decode()
    assert "2026-01-01" in text and "2025-12-31" not in text and "尚缺 30.0 学时" in text
    assert client.get(reverse("orglife:study_member", args=[stranger.pk])).status_code == 404


def test_a_member_sees_only_their_own_ledger(client_as, world, people):
    ours, _stranger = people
    resident = world.users["resident"]
    ours[2].user = resident
    ours[2].save(update_fields=["user"])
    line(ours[2], date(2026, 2, 1), "8")
    line(ours[1], date(2026, 2, 1), "7.5")
    client = client_as(resident)
    page = client.get(reverse("orglife:study_mine"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "8.0" in text and "7.5" not in text
    # Not another member's, nor the staff pages.
    assert client.get(reverse("orglife:study_member", args=[ours[1].pk])).status_code in (403, 404)
    assert client.get(reverse("orglife:study_summary")).status_code == 403


def test_enter_for_many_members_all_or_nothing(client_as, world, party, people):
    ours, _stranger = people
    client = client_as(world.users["secretary"])
    url = reverse("orglife:study_enter") + f"?organization={party.ours_branch.pk}"
    assert client.get(url).status_code == 200
    data = {
        "organization": party.ours_branch.pk,
        "members": [ours[0].pk, ours[1].pk],
        "on": "2026-06-16",
        "kind": "training",
        "title": "",
        "length": "full_day",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "晚于今天" in text and "学习内容" in text
    assert not StudyRecord.objects.exists()
    data.update(on="2026-06-15", title="街道培训班", days="2", level="street")
    done = client.post(url, data)
    assert done.status_code == 302
    assert sorted(StudyRecord.objects.values_list("hours", flat=True)) == [Decimal(16), Decimal(16)]


def test_correction_page_requires_a_reason(client_as, world, people):
    ours, stranger = people
    line(ours[1], date(2026, 3, 1), "8")
    client = client_as(world.users["secretary"])
    url = reverse("orglife:study_correct", args=[ours[1].pk])
    refused = client.post(url, {"on": "2026-06-01", "kind": "course", "hours": "-2", "reason": ""})
    assert refused.status_code == 400
    assert (
        client.post(
            url, {"on": "2026-06-01", "kind": "course", "hours": "-2", "reason": "重复"}
        ).status_code
        == 302
    )
    assert StudyRecord.objects.filter(member=ours[1]).count() == 2
    assert client.get(reverse("orglife:study_correct", args=[stranger.pk])).status_code == 404


def test_import_pages(client_as, world, people):
    ours, _stranger = people
    client = client_as(world.users["secretary"])
    template = client.get(reverse("orglife:study_import_template"))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    sheet = book[str(CourseImporter.sheet_title)]
    sheet.append(
        [
            "乙",
            id_number(date(1980, 5, 6), 72),
            "2026-05-01",
            "集中学习/网络课程",
            "党史",
            "按学时",
            3,
        ]
    )
    sheet.append(
        [
            "乙",
            id_number(date(1980, 5, 6), 72),
            "2026-05-02",
            "集中学习/网络课程",
            "党史",
            "按学时",
            "",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "study.xlsx"
    page = client.get(reverse("orglife:study_import"))
    assert page.status_code == 200 and "只写入无误的行" not in page.content.decode()
    result = client.post(reverse("orglife:study_import"), {"file": upload}, follow=True)
    text = result.content.decode()
    assert "学时" in text and not StudyRecord.objects.exists()


def test_talk_pages(client_as, world, party, people):
    ours, stranger = people
    client = client_as(world.users["secretary"])
    url = reverse("orglife:talk_list")
    page = client.get(url, {"organization": party.ours_branch.pk, "year": 2026})
    assert page.status_code == 200
    assert "与任一其他党员谈话" in page.content.decode()
    create = reverse("orglife:talk_create") + f"?organization={party.ours_branch.pk}"
    assert client.get(create).status_code == 200
    refused = client.post(
        create, {"first": ours[1].pk, "second": stranger.pk, "held_on": "2026-06-01"}
    )
    assert refused.status_code == 400 and not Talk.objects.exists()
    done = client.post(
        create, {"first": ours[1].pk, "second": ours[2].pk, "held_on": "2026-06-01", "note": "交流"}
    )
    assert done.status_code == 302
    assert Talk.objects.get().pair == TalkPair.MEMBER_MEMBER
    assert client.get(url, {"organization": party.sibling_branch.pk}).status_code == 404


def test_shortfalls_page_before_october(client_as, world, people):
    client = client_as(world.users["secretary"])
    assert "尚未开始" in client.get(reverse("orglife:study_shortfalls")).content.decode()


def test_shortfalls_page_from_october(client_as, world, people):
    client = client_as(world.users["secretary"])
    response = client.get(reverse("orglife:study_shortfalls"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "乙" in text and "邻里党员" not in text


# --- API ---------------------------------------------------------------------------------------


class Api:
    def __init__(self, client, user):
        self.client = client
        self.headers = {"Authorization": f"Bearer {api_key(user)}"} if user.may_use_api else {}
        if not user.may_use_api:
            sign_in(client, user)

    def get(self, path, **params):
        return self.client.get(API + path, params, headers=self.headers)

    def post(self, path, body):
        return self.client.post(
            API + path, json.dumps(body), content_type="application/json", headers=self.headers
        )


def test_api_ledger_entering_and_scope(client, world, party, people):
    ours, stranger = people
    api = Api(client, world.users["secretary"])
    created = api.post(
        "/lines",
        {
            "member_ids": [ours[1].pk, ours[2].pk],
            "on": "2026-06-01",
            "kind": "course",
            "title": "党课",
            "length": "half_day",
        },
    )
    assert created.status_code == 201, created.content
    assert [x["hours"] for x in created.json()] == ["4.0", "4.0"]
    ledger = api.get(f"/members/{ours[1].pk}/ledger", year=2026).json()
    assert (ledger["total"], ledger["required"], ledger["missing"]) == ("4.0", 32, "28.0")
    assert api.get(f"/members/{stranger.pk}/ledger").status_code == 404
    out = api.post(
        "/lines",
        {
            "member_ids": [stranger.pk],
            "on": "2026-06-01",
            "kind": "course",
            "title": "x",
            "length": "hours",
            "hours": 1,
        },
    )
    assert out.status_code == 404 and out.json()["error"]["code"]
    future = api.post(
        "/lines",
        {
            "member_ids": [ours[1].pk],
            "on": "2026-06-16",
            "kind": "course",
            "title": "x",
            "length": "hours",
        },
    )
    assert future.status_code == 422
    body = future.json()["error"]
    assert {d["field"] for d in body["details"]} == {"on", "hours"}
    assert StudyRecord.objects.count() == 2
    assert api.get("/lines", year=2026).json()["count"] == 2
    summary = api.get(
        f"/organizations/{party.ours_branch.pk}/summary", year=2026, order="missing"
    ).json()
    assert summary[0]["member_name"] == "甲"
    fix = api.post(
        f"/members/{ours[1].pk}/corrections",
        {"on": "2026-06-02", "kind": "course", "hours": "-1", "reason": "时长有误"},
    )
    assert fix.status_code == 201 and fix.json()["hours"] == "-1.0"
    assert (
        api.post(
            f"/members/{ours[1].pk}/corrections",
            {"on": "2026-06-02", "kind": "course", "hours": "-1", "reason": ""},
        ).status_code
        == 422
    )


def test_api_talks_and_missing_pairs(client, world, party, people):
    ours, stranger = people
    api = Api(client, world.users["secretary"])
    missing = api.get(f"/organizations/{party.ours_branch.pk}/missing-talks", year=2026).json()
    assert {(m["pair"], m["first_name"]) for m in missing} == {
        ("committee_member", "乙"),
        ("committee_member", "丙"),
        ("member_member", "乙"),
        ("member_member", "丙"),
    }
    made = api.post(
        "/talks", {"first_id": ours[0].pk, "second_id": ours[1].pk, "held_on": "2026-06-01"}
    )
    assert made.status_code == 201 and made.json()["pair"] == "committee_member"
    assert (
        api.post(
            "/talks", {"first_id": ours[1].pk, "second_id": stranger.pk, "held_on": "2026-06-01"}
        ).status_code
        == 404
    )
    assert len(api.get(f"/organizations/{party.ours_branch.pk}/talks", year=2026).json()) == 1
    assert api.get(f"/organizations/{party.sibling_branch.pk}/missing-talks").status_code == 404


def test_api_mine(client, world, people):
    ours, _stranger = people
    resident = world.users["resident"]
    api = Api(client, resident)
    assert api.get("/mine").status_code == 404
    ours[2].user = resident
    ours[2].save(update_fields=["user"])
    line(ours[2], date(2026, 2, 1), "8")
    assert api.get("/mine").json()["total"] == "8.0"


def test_summary_page_query_count_does_not_grow_with_rows(
    client_as, world, party, people, django_assert_num_queries
):
    client = client_as(world.users["secretary"])
    url = reverse("orglife:study_summary")
    query = {"organization": party.ours_branch.pk, "year": 2026}
    client.get(url, query)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url, query)
    admin = world.users["district_admin"]
    for serial in range(81, 86):
        member = add_member(admin, party.ours_branch, f"新党员{serial}", serial=serial)
        line(member, date(2026, 3, 1), "2")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url, query)
