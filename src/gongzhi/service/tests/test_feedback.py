"""The feedback reports to employers: figures in bulk (a fixed number of queries), the
batch task's archive read back (the workbook with openpyxl, the PDFs with pypdf), the
pages and the API of 三级评议 and the batches."""

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog, Notification
from gongzhi.core.testing import api_key
from gongzhi.demands.models import Demand
from gongzhi.party.models import Member
from gongzhi.visits.models import Visit

from .. import feedback, ratings
from ..choices import BatchState
from ..models import FeedbackBatch, Hours, Pair, Volunteer, Wish
from ..ratings_testing import in_service, organ_unit

YEAR = timezone.localdate().year - 1
ON = date(YEAR, 12, 20)


def activity_for(member, world, user):
    """A visit, hours, a pair, a wish and a demand of ``member`` in YEAR (ORM rows)."""
    household = world.ours.households[1]
    Pair.objects.create(
        member=member,
        household=household,
        path=household.path,
        kind="difficult",
        started_on=date(YEAR, 2, 1),
    )
    Visit.objects.create(
        household=household,
        area=world.ours.unit,
        path=household.path,
        visitor=user,
        member=member,
        visited_on=date(YEAR, 5, 1),
        kind="routine",
        found="良好",
    )
    Visit.objects.create(
        household=household,
        area=world.ours.unit,
        path=household.path,
        visitor=user,
        visited_on=date(YEAR, 6, 1),
        kind="routine",
        found="良好",
    )
    volunteer = Volunteer.objects.create(
        community=world.ours.community,
        path=world.ours.community.path,
        name=member.name,
        member=member,
        joined_on=date(YEAR, 1, 1),
    )
    for hours, status in (("3.50", "verified"), ("2.00", "approved"), ("5.00", "pending")):
        Hours.objects.create(
            volunteer=volunteer,
            path=volunteer.path,
            served_on=date(YEAR, 7, 1),
            hours=Decimal(hours),
            source="manual",
            status=status,
        )
    at = timezone.make_aware(datetime(YEAR, 8, 1, 10))
    Wish.objects.create(
        community=world.ours.community,
        path=world.ours.community.path,
        title="轮椅",
        wisher="王奶奶",
        source="visit",
        published_on=date(YEAR, 7, 1),
        status="confirmed",
        claimed_member=member,
        claimed_at=at,
    )
    Demand.objects.create(
        title="路灯",
        content="路灯坏了",
        suggestion="建议每月巡查",
        channel="app",
        area=world.ours.grid,
        path=world.ours.grid.path,
        requester_kind="member",
        requester_user=user,
        received_at=at,
        outcome="resolved",
        status="closed",
    )


@pytest.fixture
def rated(world, party):
    """Two units' members in our community; the first with activity and three ratings,
    the second vetoed."""
    admin, staff = world.users["district_admin"], world.users["staff"]
    unit = organ_unit(world.ours, "区财政局")
    first, _r = in_service(
        admin,
        party.ours_branch,
        world.ours,
        "李在职",
        501,
        unit=unit,
        confirmed_on=date(YEAR, 3, 1),
        username="lzz",
    )
    second, _r = in_service(
        admin, party.ours_branch, world.ours, "周否决", 502, confirmed_on=date(YEAR, 3, 1)
    )
    activity_for(first, world, first.user)
    ratings.rate(
        actor=world.users["grid_worker"],
        member=first,
        year=YEAR,
        level="group",
        grade="excellent",
        rated_on=ON,
    )
    ratings.rate(actor=staff, member=first, year=YEAR, level="community", grade="good", rated_on=ON)
    ratings.rate(
        actor=staff,
        member=first,
        year=YEAR,
        level="employer",
        grade="excellent",
        rater_name="区财政局机关党支部",
        rated_on=ON,
    )
    ratings.rate(
        actor=staff,
        member=second,
        year=YEAR,
        level="community",
        grade="fair",
        shortcomings=["not_acting"],
        rated_on=ON,
    )
    return first, second


def test_figures_count_the_members_year(rated, world):
    first, second = rated
    found = feedback.figures(Member.objects.filter(pk__in=[first.pk, second.pk]), YEAR)
    f = found[first.pk]
    assert (f.difficult, f.ordinary) == (1, 0)
    assert f.visits == 2  # one as the visiting member, one by their account
    assert f.hours == Decimal("5.50")  # the pending line does not count
    assert (f.wishes_claimed, f.wishes_fulfilled) == (1, 1)
    assert (f.demands, f.demands_resolved, f.suggestions) == (1, 1, 1)
    assert f.overall == "good"
    assert f.unit_name == "区财政局"
    assert found[second.pk].overall_label == "否决"


def test_figures_take_a_fixed_number_of_queries(rated, world, party, django_assert_num_queries):
    members = Member.objects.filter(category="in_service")
    with django_assert_num_queries(8):
        feedback.figures(members, YEAR)
    for i in range(5):
        m, _r = in_service(
            world.users["district_admin"],
            party.ours_branch,
            world.ours,
            f"新增{i}",
            530 + i,
            confirmed_on=date(YEAR, 4, 1),
        )
        activity_for(m, world, world.users["grid_worker"])
    with django_assert_num_queries(8):
        assert len(feedback.figures(members, YEAR)) == 7


def test_batch_archive_has_the_workbook_and_a_pdf_per_unit(
    rated, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = feedback.start(actor=world.users["secretary"], area=world.ours.community, year=YEAR)
    batch.refresh_from_db()
    assert batch.status == BatchState.DONE
    assert (batch.members, batch.units) == (2, 2)
    assert Notification.objects.filter(user=world.users["secretary"], kind=feedback.NOTICE).exists()
    with batch.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    [book_name] = [n for n in names if n.endswith(".xlsx")]
    book = openpyxl.load_workbook(io.BytesIO(archive.read(book_name)))
    assert book.sheetnames == ["党员", "单位"]
    members = {row[0]: row for row in book["党员"].iter_rows(min_row=2, values_only=True)}
    assert members["李在职"][10] == 5.5
    assert members["李在职"][-1] == "良好"
    assert members["周否决"][-1] == "否决"
    units = {row[0]: row for row in book["单位"].iter_rows(min_row=2, values_only=True)}
    assert units["区财政局"][2] == 1
    pdfs = sorted(n for n in names if n.endswith(".pdf"))
    assert len(pdfs) == 2
    [finance] = [n for n in pdfs if "区财政局" in n]
    reader = pypdf.PdfReader(io.BytesIO(archive.read(finance)))
    assert len(reader.pages) == 2  # the unit's summary page, one page per member
    assert "区财政局" in reader.pages[0].extract_text()
    assert "李在职" in reader.pages[1].extract_text()
    assert AuditLog.objects.filter(action=feedback.GENERATED).exists()


def test_build_twice_does_nothing_the_second_time(rated, world):
    batch = FeedbackBatch.objects.create(
        area=world.ours.community, path=world.ours.community.path, year=YEAR
    )
    feedback.build(batch.pk)
    first = FeedbackBatch.objects.get(pk=batch.pk).file.name
    feedback.build(batch.pk)
    assert FeedbackBatch.objects.get(pk=batch.pk).file.name == first


def test_start_needs_report_permission_and_a_past_year(world):
    with pytest.raises(NotFoundOrForbidden):
        feedback.start(actor=world.users["grid_worker"], area=world.ours.community, year=YEAR)
    with pytest.raises(NotFoundOrForbidden):
        feedback.start(actor=world.users["secretary"], area=world.sibling.community, year=YEAR)
    with pytest.raises(RuleViolation) as refused:
        feedback.start(actor=world.users["secretary"], area=world.ours.community, year=YEAR + 2)
    assert refused.value.field == "year"


# --- pages --------------------------------------------------------------------------------------


def test_year_page_shows_the_veto_in_red(rated, world, client_as):
    client = client_as(world.users["staff"])
    page = client.get(reverse("service:rating_list"), {"year": YEAR}).content.decode()
    assert "李在职" in page and "周否决" in page
    assert '<strong class="text-danger">否决</strong>' in page


def test_rating_form_refuses_a_second_rating_on_its_field(rated, world, client_as):
    first, _second = rated
    client = client_as(world.users["staff"])
    response = client.post(
        reverse("service:rating_create"),
        {
            "year": YEAR,
            "member": first.pk,
            "level": "community",
            "grade": "good",
            "rated_on": ON.isoformat(),
        },
    )
    assert response.status_code == 400
    assert "已录入" in response.content.decode()


def test_rating_form_saves(world, party, client_as):
    member, _r = in_service(
        world.users["district_admin"], party.ours_branch, world.ours, "吴新人", 540, confirmed_on=ON
    )
    client = client_as(world.users["staff"])
    response = client.post(
        reverse("service:rating_create"),
        {
            "year": YEAR,
            "member": member.pk,
            "level": "employer",
            "grade": "good",
            "shortcomings": ["no_results"],
            "rater_name": "某局党委",
            "rated_on": ON.isoformat(),
        },
    )
    assert response.status_code == 302
    assert member.ratings.get().shortcomings == ["no_results"]


def test_published_page_masks_names(rated, world, client_as):
    ratings.publish(actor=world.users["secretary"], community=world.ours.community, year=YEAR)
    page = (
        client_as(world.users["resident"])
        .get(reverse("service:rating_published"), {"year": YEAR})
        .content.decode()
    )
    assert "李*职" in page and "李在职" not in page
    assert "不作为" not in page and "否决" in page


def test_my_ratings_page(rated, world, client_as):
    first, _second = rated
    page = client_as(first.user).get(reverse("service:rating_mine")).content.decode()
    assert "良好" in page and "区财政局机关党支部" not in page


def test_units_page_and_excel(rated, world, client_as):
    client = client_as(world.users["street_admin"])
    url = reverse("service:rating_units")
    page = client.get(url, {"within": world.street.pk, "year": YEAR}).content.decode()
    assert "区财政局" in page
    response = client.get(url, {"within": world.street.pk, "year": YEAR, "export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in rows} == {"区财政局", "某公司"}
    assert {r[0]: r[7] for r in rows}["某公司"] == 10


def test_batch_pages_and_download(rated, world, client_as, django_capture_on_commit_callbacks):
    client = client_as(world.users["secretary"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("service:feedback_start"), {"area": world.ours.community.pk, "year": YEAR}
        )
    batch = FeedbackBatch.objects.get()
    assert response.status_code == 302
    assert "下载报告" in client.get(batch.get_absolute_url()).content.decode()
    download = client.get(reverse("service:feedback_download", args=[batch.pk]))
    assert zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert AuditLog.objects.filter(action=feedback.DOWNLOADED).exists()
    other = client_as(world.users["grid_worker"])
    assert other.get(batch.get_absolute_url()).status_code in (403, 404)


# --- API -------------------------------------------------------------------------------------------


def test_api_rate_refuses_a_rater_outside_the_group(rated, world, client):
    first, _second = rated
    key = api_key(world.users["staff"])
    response = client.post(
        "/api/v1/service/ratings",
        {"member_id": first.pk, "year": YEAR, "level": "group", "grade": "good"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "member"


def _page_queries(client, url, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def test_year_page_query_count_does_not_grow_with_rows(rated, world, party, client_as):
    client = client_as(world.users["staff"])
    url, params = reverse("service:rating_list"), {"year": YEAR}
    before = _page_queries(client, url, params)
    for i in range(4):
        m, _r = in_service(
            world.users["district_admin"],
            party.ours_branch,
            world.ours,
            f"多{i}",
            560 + i,
            confirmed_on=ON,
        )
        ratings.rate(
            actor=world.users["staff"],
            member=m,
            year=YEAR,
            level="community",
            grade="good",
            rated_on=ON,
        )
    assert _page_queries(client, url, params) == before


def test_batch_progress_fragment_for_htmx(rated, world, client_as):
    batch = FeedbackBatch.objects.create(
        area=world.ours.community, path=world.ours.community.path, year=YEAR
    )
    response = client_as(world.users["secretary"]).get(
        batch.get_absolute_url(), headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert 'id="feedback-progress"' in page and "hx-trigger" in page and "<html" not in page


def test_api_rates_lists_units_publishes_and_starts_a_batch(
    rated, world, party, client, django_capture_on_commit_callbacks
):
    member, _r = in_service(
        world.users["district_admin"], party.ours_branch, world.ours, "郑接口", 570, confirmed_on=ON
    )
    headers = {"Authorization": f"Bearer {api_key(world.users['secretary'])}"}
    created = client.post(
        "/api/v1/service/ratings",
        {
            "member_id": member.pk,
            "year": YEAR,
            "level": "employer",
            "grade": "good",
            "rater_name": "某局党委",
            "rated_on": ON.isoformat(),
            "shortcomings": ["not_trying"],
        },
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201 and created.json()["vetoed"] is True
    listed = client.get("/api/v1/service/ratings", {"year": YEAR}, headers=headers).json()
    assert listed["count"] == 5
    units = client.get(
        "/api/v1/service/ratings/units",
        {"within_id": world.ours.community.pk, "year": YEAR},
        headers=headers,
    ).json()
    assert {u["name"] for u in units} == {"区财政局", "某公司"}
    assert (
        client.get(
            "/api/v1/service/ratings/units",
            {"within_id": world.sibling.community.pk, "year": YEAR},
            headers=headers,
        ).status_code
        == 404
    )
    published = client.post(
        "/api/v1/service/ratings/releases",
        {"area_id": world.ours.community.pk, "year": YEAR},
        content_type="application/json",
        headers=headers,
    )
    assert published.status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        batch = client.post(
            "/api/v1/service/ratings/feedback",
            {"area_id": world.ours.community.pk, "year": YEAR},
            content_type="application/json",
            headers=headers,
        ).json()
    detail = client.get(f"/api/v1/service/ratings/feedback/{batch['id']}", headers=headers).json()
    assert detail["status"] == "done" and detail["download_url"]
