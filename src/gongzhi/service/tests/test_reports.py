"""双报到: a member's request, the community's confirmation or refusal, the half-yearly
re-confirmation, one live report per member, unit reports, the registry, the rates."""

import json
from datetime import date, timedelta
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import Notification
from gongzhi.core.testing import api_key, sign_in
from gongzhi.party.models import Member
from gongzhi.service import reports, rules
from gongzhi.service.choices import ReportState
from gongzhi.service.models import Report
from gongzhi.service.reports_testing import confirmed, in_service, unit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def errors(exc):
    return getattr(exc, "errors", [exc])


@pytest.fixture
def member(world, party):
    """The in-service member account ``zz`` linked to an in-service Member."""
    m = in_service(world.users["district_admin"], party.ours_branch, "王在职", 61)
    Member.objects.filter(pk=m.pk).update(user=world.users["inservice_member"])
    m.refresh_from_db()
    return m


def entry(world, **kw):
    return reports.ReportEntry(
        community=world.ours.community,
        employer=kw.pop("employer", "区财政局"),
        employer_org=kw.pop("employer_org", "区财政局机关党支部"),
        **kw,
    )


def test_member_requests_and_the_community_confirms(world, member):
    report = reports.request_report(actor=world.users["inservice_member"], entry=entry(world))
    assert report.status == ReportState.REQUESTED and report.member == member
    day = TODAY - timedelta(days=3)
    report = reports.confirm_report(report, actor=world.users["secretary"], on=day)
    assert report.status == ReportState.CONFIRMED
    assert report.confirmed_on == day and report.confirm_due == rules.confirm_due(day)
    note = Notification.objects.get(user=world.users["inservice_member"], kind="service.report")
    assert "确认" in note.title


def test_one_live_report_per_member_is_refused_clearly(world, member):
    reports.request_report(actor=world.users["inservice_member"], entry=entry(world))
    with pytest.raises(RuleViolation) as exc:
        reports.enter_report(actor=world.users["secretary"], member=member, entry=entry(world))
    assert errors(exc.value)[0].field == "member"
    assert "只能有一个有效报到" in str(errors(exc.value)[0].message)
    assert Report.objects.filter(member=member).count() == 1


def test_a_declined_report_frees_the_member_and_needs_a_reason(world, member):
    report = reports.request_report(actor=world.users["inservice_member"], entry=entry(world))
    with pytest.raises(RuleViolation) as exc:
        reports.decline_report(report, actor=world.users["secretary"], reason=" ")
    assert exc.value.field == "reason"
    report = reports.decline_report(report, actor=world.users["secretary"], reason="不在本社区居住")
    assert report.status == ReportState.DECLINED and report.note == "不在本社区居住"
    assert Notification.objects.filter(body="不在本社区居住").exists()
    again = reports.request_report(actor=world.users["inservice_member"], entry=entry(world))
    assert again.status == ReportState.REQUESTED


def test_every_error_of_an_entry_at_once_and_nothing_written(world, party):
    other = in_service(world.users["district_admin"], party.ours_branch, "李一", 62)
    bad = reports.ReportEntry(
        community=world.ours.grid, employer="", employer_org="", capacity=0, cadre_level="x"
    )
    with pytest.raises(RuleViolation) as exc:
        reports.enter_report(actor=world.users["secretary"], member=other, entry=bad)
    fields = {e.field for e in errors(exc.value)}
    assert fields == {"community", "employer", "employer_org", "capacity", "cadre_level"}
    assert not Report.objects.exists()


def test_only_in_service_members_report(world, party):
    from gongzhi.party.testing import add_member

    retired = add_member(world.users["district_admin"], party.ours_branch, "退休", serial=63)
    with pytest.raises(RuleViolation) as exc:
        reports.enter_report(actor=world.users["secretary"], member=retired, entry=entry(world))
    assert errors(exc.value)[0].field == "member"


def test_capacity_bounds(world, member):
    for capacity, ok in ((0, False), (1, True), (5, True), (6, False)):
        if ok:
            r = reports.enter_report(
                actor=world.users["secretary"], member=member, entry=entry(world, capacity=capacity)
            )
            Report.objects.filter(pk=r.pk).update(status=ReportState.ENDED)
        else:
            with pytest.raises(RuleViolation):
                reports.enter_report(
                    actor=world.users["secretary"],
                    member=member,
                    entry=entry(world, capacity=capacity),
                )


def test_reconfirmation_is_due_half_a_year_after_and_late_the_day_after():
    confirmed_on = date(2026, 1, 15)
    due = rules.confirm_due(confirmed_on)
    assert due == date(2026, 7, 15)
    assert not rules.lapsed(due, due)  # the due day is still in time
    assert not rules.lapsed(due, due - timedelta(days=1))
    assert rules.lapsed(due, due + timedelta(days=1))


def test_the_warning_lists_reports_past_their_reconfirmation(world, member):
    day = TODAY - timedelta(days=400)
    report = confirmed(world.users["secretary"], member, world.ours.community, on=day)
    due = report.confirm_due
    secretary = world.users["secretary"]
    assert list(reports.reconfirm_due(secretary, due)) == []
    assert list(reports.reconfirm_due(secretary, due - timedelta(days=1))) == []
    assert list(reports.reconfirm_due(secretary, due + timedelta(days=1))) == [report]
    assert report in reports.reconfirm_soon(secretary, TODAY)
    report = reports.reconfirm_report(report, actor=secretary, version=report.version)
    # The confirmation date stays the first one; only the next due date moves.
    assert report.confirmed_on == day and report.confirm_due == rules.confirm_due(TODAY)
    assert list(reports.reconfirm_due(secretary, TODAY + timedelta(days=1))) == []


def test_ending_a_report_ends_its_pairs(world, member):
    from gongzhi.service import pairing

    report = confirmed(world.users["secretary"], member, world.ours.community, on=TODAY)
    link = pairing.pair(
        actor=world.users["secretary"],
        member=member,
        household=world.ours.households[0],
        kind="difficult",
    )
    reports.end_report(report, actor=world.users["secretary"], reason="调离")
    link.refresh_from_db()
    assert link.ended_on == TODAY


def test_a_sibling_community_cannot_confirm(world, member, party):
    from gongzhi.core.testing import make_user

    report = reports.request_report(actor=world.users["inservice_member"], entry=entry(world))
    neighbour = make_user("lj", "community_secretary", world.sibling.community)
    with pytest.raises(NotFoundOrForbidden):
        reports.confirm_report(report, actor=neighbour)


def test_unit_registry_and_unit_reports(world):
    admin = world.users["street_admin"]
    organ = unit(admin, world.street, "区教育局")
    with pytest.raises(RuleViolation) as exc:
        reports.save_unit(actor=admin, area=world.ours.grid, name="区教育局", party_org="")
    assert {e.field for e in errors(exc.value)} == {"area", "party_org"}
    with pytest.raises(RuleViolation):
        reports.save_unit(actor=admin, area=world.street, name="区教育局", party_org="党支部")
    secretary = world.users["secretary"]
    r = reports.request_unit_report(
        actor=secretary, unit=organ, community=world.ours.community, resources="图书、场地"
    )
    with pytest.raises(RuleViolation):
        reports.request_unit_report(actor=secretary, unit=organ, community=world.ours.community)
    r = reports.confirm_unit_report(r, actor=secretary)
    assert r.status == ReportState.CONFIRMED and r.confirm_due == rules.confirm_due(TODAY)
    r = reports.reconfirm_unit_report(r, actor=secretary)
    r = reports.end_unit_report(r, actor=secretary)
    assert r.status == ReportState.ENDED
    assert organ in reports.units_known_to(secretary)


def test_rates_per_community_and_unit(world, party, member):
    admin = world.users["district_admin"]
    organ = unit(admin, world.street, "区财政局")
    Member.objects.filter(pk=member.pk).update(household=world.ours.households[0])
    other = in_service(admin, party.ours_branch, "李二", 64)
    Member.objects.filter(pk=other.pk).update(household=world.ours.households[1])
    confirmed(admin, member, world.ours.community, on=TODAY, unit=organ)
    rows = {r.name: r for r in reports.community_rates(admin, world.street)}
    assert (rows["和顺社区"].confirmed, rows["和顺社区"].known) == (1, 2)
    assert rows["和顺社区"].percent == 50
    assert rows["邻里社区"].percent is None
    by_unit = {r.name: r for r in reports.unit_rates(admin, world.street)}
    assert (by_unit["区财政局"].confirmed, by_unit["区财政局"].known) == (1, 2)


def test_confirmed_members_contract(world, member):
    confirmed(world.users["secretary"], member, world.ours.community, on=TODAY)
    assert list(reports.confirmed_members(world.users["secretary"], world.ours.community)) == [
        member
    ]
    assert not reports.confirmed_members(world.users["secretary"], world.sibling.community)


# --- Pages ------------------------------------------------------------------------------


def test_pages_request_confirm_and_my_page(world, member, client):
    sign_in(client, world.users["inservice_member"])
    assert client.get(reverse("service:report_mine")).status_code == 200
    response = client.post(
        reverse("service:report_request"),
        {
            "community": world.ours.community.pk,
            "employer": "区财政局",
            "employer_org": "区财政局机关党支部",
            "cadre_level": "member",
            "capacity": 3,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.get(member=member)
    again = client.post(
        reverse("service:report_request"),
        {
            "community": world.ours.community.pk,
            "employer": "区财政局",
            "employer_org": "x",
            "cadre_level": "member",
            "capacity": 3,
        },
    )
    assert again.status_code == 400 and "只能有一个有效报到" in again.content.decode()
    client.logout()
    sign_in(client, world.users["secretary"])
    page = client.get(reverse("service:report_detail", args=[report.pk]))
    assert page.status_code == 200 and "确认报到" in page.content.decode()
    client.post(reverse("service:report_confirm", args=[report.pk]), {"version": report.version})
    report.refresh_from_db()
    assert report.status == ReportState.CONFIRMED
    listing = client.get(reverse("service:report_list"))
    assert "王在职" in listing.content.decode()
    export = client.get(reverse("service:report_list") + "?export=xlsx")
    sheet = openpyxl.load_workbook(BytesIO(b"".join(export.streaming_content))).active
    assert sheet.cell(2, 1).value == "王在职"


def test_rates_page_and_excel(world, member, client):
    confirmed(world.users["secretary"], member, world.ours.community, on=TODAY)
    sign_in(client, world.users["street_admin"])
    assert client.get(reverse("service:report_rates")).status_code == 200
    export = client.get(reverse("service:report_rates") + f"?area={world.street.pk}&export=xlsx")
    sheet = openpyxl.load_workbook(BytesIO(b"".join(export.streaming_content))).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert "和顺社区" in names and "邻里社区" in names


def test_report_list_queries_do_not_grow(world, party, client, django_assert_max_num_queries):
    admin = world.users["district_admin"]
    sign_in(client, world.users["secretary"])
    for i in range(2):
        confirmed(
            admin,
            in_service(admin, party.ours_branch, f"甲{i}", 70 + i),
            world.ours.community,
            on=TODAY,
        )
    client.get(reverse("service:report_list"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("service:report_list"))
    for i in range(8):
        confirmed(
            admin,
            in_service(admin, party.ours_branch, f"乙{i}", 80 + i),
            world.ours.community,
            on=TODAY,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("service:report_list"))


# --- API --------------------------------------------------------------------------------


def test_api_create_confirm_and_refusal(world, member, client):
    key = api_key(world.users["secretary"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = {
        "member_id": member.pk,
        "area_id": world.ours.community.pk,
        "employer": "区财政局",
        "employer_org": "区财政局机关党支部",
    }
    created = client.post(
        "/api/v1/service/reports", json.dumps(body), content_type="application/json", **headers
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    twice = client.post(
        "/api/v1/service/reports", json.dumps(body), content_type="application/json", **headers
    )
    assert twice.status_code == 422 and twice.json()["error"]["field"] == "member"
    done = client.post(
        f"/api/v1/service/reports/{pk}/confirm", "{}", content_type="application/json", **headers
    )
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    refused = client.post(
        f"/api/v1/service/reports/{pk}/confirm", "{}", content_type="application/json", **headers
    )
    assert refused.status_code == 422 and "error" in refused.json()


# --- Demo -------------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_loads_realistic_gaps(demo):  # the manifest's loader ran demo_reports
    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area
    from gongzhi.service import coverage, demo_reports
    from gongzhi.service.models import UnitReport

    assert "未重复加载" in demo_reports.load(TODAY)
    home = Area.objects.get(name="和顺社区")
    zaizhi = User.objects.get(username="zaizhi")
    mine = list(reports.my_reports(zaizhi))
    assert mine and mine[0].status == ReportState.CONFIRMED
    assert UnitReport.objects.filter(community=home, status="confirmed").count() == 4
    root = User.objects.get(username="quadmin")
    assert reports.reconfirm_due(root, TODAY).filter(community=home).count() == 2
    gaps = coverage.coverage(root, home)
    found = {g.kind for g in gaps}
    assert {"member_difficult", "units", "building"} <= found
