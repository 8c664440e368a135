"""Care cases (结对帮扶): open from a visit or a household with helpers (paired members
first, told when added), help entries by carers and helpers, the review before closure,
reopening, the pages, the API and the export."""

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import Notification
from gongzhi.party.testing import add_member
from gongzhi.visits import cases, selectors
from gongzhi.visits.choices import CaseState, FollowUp, HelpKind
from gongzhi.visits.models import CareCase, Help
from gongzhi.visits.visits_testing import build_visits, case_with_help, visit

TODAY = date(2026, 6, 10)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-06-10 10:00 +0800", tick=False):
        yield


@pytest.fixture
def vw(world):
    return build_visits(world)


def opened(world, vw, **kw) -> CareCase:
    return cases.open_case(
        actor=world.users["grid_worker"],
        household=kw.pop("household", vw.paired),
        title="困难家庭帮扶",
        plan="协助申请临时救助",
        helpers=kw.pop("helpers", [vw.member]),
        opened_on=TODAY - timedelta(days=20),
        **kw,
    )


def help_entry(case, actor, **kw):
    values = {
        "kind": HelpKind.MONEY,
        "value": Decimal("500.00"),
        "given_on": TODAY,
        "note": "慰问金",
    }
    values.update(kw)
    return cases.add_help(case, actor=actor, **values)


def test_paired_members_are_suggested_first(world, vw):
    add_member(world.users["district_admin"], vw.party.ours_branch, "阿党员", serial=32)
    names = [m.name for m in cases.helper_candidates(vw.paired)]
    assert names[0] == "在职党员甲" and "阿党员" in names
    sibling = add_member(
        world.users["district_admin"], vw.party.sibling_branch, "邻里人", serial=33
    )
    assert sibling not in cases.helper_candidates(vw.paired)


def test_a_case_from_a_visit_links_it_and_tells_the_helpers(world, vw):
    row = visit(world.users["grid_worker"], vw.paired, found="独居老人行动不便")
    case = opened(world, vw, visit=row)
    row.refresh_from_db()
    assert row.case == case and row.follow_up == FollowUp.CASE
    note = Notification.objects.get(user=world.users["inservice_member"])
    assert "困难家庭帮扶" in note.title and note.link == case.get_absolute_url()
    with pytest.raises(RuleViolation) as exc:
        opened(world, vw, visit=row)
    assert exc.value.field == "case"


def test_a_helper_from_the_sibling_community_is_refused(world, vw):
    sibling = add_member(
        world.users["district_admin"], vw.party.sibling_branch, "邻里人", serial=33
    )
    with pytest.raises(RuleViolation) as exc:
        opened(world, vw, helpers=[sibling])
    assert exc.value.field == "helpers" and "邻里人" in str(exc.value.message)


def test_opening_needs_care_in_scope(world, vw):
    with pytest.raises(NotFoundOrForbidden):
        opened(world, vw, household=world.sibling.households[0], helpers=[])
    with pytest.raises(NotFoundOrForbidden):
        cases.open_case(
            actor=world.users["inservice_member"], household=vw.paired, title="x", plan="y"
        )


def test_help_value_must_be_above_zero(world, vw):
    case = opened(world, vw)
    worker = world.users["grid_worker"]
    for value in (Decimal("0"), Decimal("-1.00")):
        with pytest.raises(RuleViolation) as exc:
            help_entry(case, worker, value=value)
        assert exc.value.field == "value" and "须大于0元" in str(exc.value.message)
    assert help_entry(case, worker, value=Decimal("0.01")).value == Decimal("0.01")
    assert help_entry(case, worker, value=None, kind=HelpKind.POLICY).value is None


def test_help_dated_tomorrow_is_refused_with_other_errors(world, vw):
    case = opened(world, vw)
    with pytest.raises(RuleViolations) as exc:
        help_entry(case, world.users["grid_worker"], given_on=TODAY + timedelta(days=1), note="")
    assert {e.field for e in exc.value.errors} == {"given_on", "note"}
    assert help_entry(case, world.users["grid_worker"], given_on=TODAY).given_on == TODAY


def test_a_helper_sees_the_case_and_adds_help_others_cannot(world, vw):
    case = opened(world, vw)
    zz = world.users["inservice_member"]
    assert list(selectors.cases_for(zz)) == [case]
    row = help_entry(case, zz, kind=HelpKind.SERVICE, value=None, note="陪同就医")
    assert row.given_by == zz.full_name or zz.username
    not_helper = opened(world, vw, household=world.ours.households[1], helpers=[])
    assert list(selectors.cases_for(zz)) == [case]
    with pytest.raises(NotFoundOrForbidden):
        help_entry(not_helper, zz)


def test_closing_without_review_is_refused_then_review_close_reopen(world, vw):
    worker = world.users["grid_worker"]
    case = opened(world, vw)
    with pytest.raises(RuleViolation) as exc:
        cases.close_case(case, actor=worker, version=case.version)
    assert "须先提交帮扶成效评估" in str(exc.value.message)
    with pytest.raises(RuleViolation) as exc:
        cases.submit_review(case, actor=worker, version=case.version, review="  ")
    assert exc.value.field == "review"
    case = cases.submit_review(case, actor=worker, version=case.version, review="已落实低保")
    assert case.status == CaseState.REVIEW
    assert cases.WORKFLOW.allowed(case, worker) == ["close", "reopen"]
    assert cases.WORKFLOW.allowed(case, world.users["inservice_member"]) == []
    case = cases.reopen_case(case, actor=worker, version=case.version)
    assert case.status == CaseState.OPEN
    case = cases.submit_review(case, actor=worker, version=case.version, review="生活已改善")
    with pytest.raises(Conflict):
        cases.close_case(case, actor=worker, version=case.version - 1)
    case = cases.close_case(case, actor=worker, version=case.version)
    assert case.status == CaseState.CLOSED and case.closed_on == TODAY
    with pytest.raises(RuleViolation):
        help_entry(case, worker)


def test_pages_open_help_review_close_and_export(world, vw, client_as):
    client = client_as(world.users["grid_worker"])
    row = visit(world.users["grid_worker"], vw.paired, found="家中困难，孩子上学缺费用")
    form = client.get(reverse("visits:case_create"), {"visit": row.pk})
    assert form.status_code == 200 and "家中困难" in form.content.decode()
    assert "在职党员甲（结对党员）" in form.content.decode()
    made = client.post(
        f"{reverse('visits:case_create')}?visit={row.pk}",
        {
            "title": "助学帮扶",
            "plan": "联系助学金",
            "helpers": [vw.member.pk],
            "household": vw.paired.pk,
        },
    )
    assert made.status_code == 302, made.content.decode()
    case = CareCase.objects.get()
    bad = client.post(
        reverse("visits:case_help", args=[case.pk]),
        {"kind": "money", "value": "0", "given_on": "2026-06-10", "note": "助学金"},
    )
    assert bad.status_code == 400 and "须大于0元" in bad.content.decode()
    ok = client.post(
        reverse("visits:case_help", args=[case.pk]),
        {"kind": "money", "value": "1000", "given_on": "2026-06-10", "note": "助学金"},
    )
    assert ok.status_code == 302 and Help.objects.count() == 1
    detail = client.get(case.get_absolute_url()).content.decode()
    assert "1,000.00" in detail
    assert reverse("visits:case_review", args=[case.pk]) in detail
    assert reverse("visits:case_close", args=[case.pk]) not in detail
    client.post(
        reverse("visits:case_review", args=[case.pk]), {"version": case.version, "review": "已解决"}
    )
    case.refresh_from_db()
    assert case.status == CaseState.REVIEW
    client.post(reverse("visits:case_close", args=[case.pk]), {"version": case.version})
    case.refresh_from_db()
    assert case.status == CaseState.CLOSED
    export = client.get(reverse("visits:case_list"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "帮扶事项" in rows[0] and any("助学帮扶" in r for r in rows[1:])
    mine = client_as(world.users["inservice_member"]).get(reverse("visits:case_mine"))
    assert mine.status_code == 200 and "助学帮扶" in mine.content.decode()


def test_sibling_case_is_not_found(world, vw, client_as):
    theirs = case_with_help(world.users["district_admin"], world.sibling.households[0])
    client = client_as(world.users["grid_worker"])
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(reverse("visits:case_help", args=[theirs.pk])).status_code == 404
    assert client.get(f"/api/v1/visits/cases/{theirs.pk}").status_code == 404


def test_case_list_query_count_does_not_grow(world, vw, client_as, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(world.users["secretary"])
    case_with_help(world.users["grid_worker"], vw.paired, helpers=[vw.member])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("visits:case_list"))
    for i in range(6):
        case_with_help(world.users["grid_worker"], world.ours.households[i % 3], title=f"帮扶{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("visits:case_list"))


def test_api_open_help_review_close(world, vw, client_as):
    client = client_as(world.users["grid_worker"])
    made = client.post(
        "/api/v1/visits/cases",
        {
            "household_id": vw.paired.pk,
            "title": "帮扶",
            "plan": "计划",
            "member_ids": [vw.member.pk],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["allowed"] == ["review"] and body["member_ids"] == [vw.member.pk]
    url = f"/api/v1/visits/cases/{body['id']}"
    refused = client.post(
        f"{url}/close", {"version": body["version"]}, content_type="application/json"
    )
    assert refused.status_code == 422
    bad = client.post(
        f"{url}/help",
        {"kind": "money", "value": "-5", "given_on": "2026-06-10", "note": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "value"
    reviewed = client.post(
        f"{url}/review",
        {"version": body["version"], "review": "好"},
        content_type="application/json",
    )
    assert reviewed.json()["status"] == "review"
    closed = client.post(
        f"{url}/close", {"version": reviewed.json()["version"]}, content_type="application/json"
    )
    assert closed.json()["status"] == "closed"
