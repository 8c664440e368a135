"""Visit records: the rules of recording (date never in the future, an in-service member
only to paired households, grid workers in their grid), photos, the pages, the API, the
export and the demand made from a visit."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from gongzhi.attachments.models import Attachment
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import AuditLog
from gongzhi.demands.choices import Channel, RequesterKind
from gongzhi.residents.testing import add_person
from gongzhi.visits import selectors, services
from gongzhi.visits.choices import FollowUp, VisitKind
from gongzhi.visits.models import Visit
from gongzhi.visits.visits_testing import build_visits, visit

TODAY = date(2026, 6, 10)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-06-10 10:00 +0800", tick=False):
        yield


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def vw(world):
    return build_visits(world)


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (120, 90), "orange")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (30.0, 39.0, 12.0),
    }
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def errors(exc) -> dict:
    items = exc.errors if isinstance(exc, RuleViolations) else [exc]
    return {e.field: str(e.message) for e in items}


# --- Services ------------------------------------------------------------------------------


def test_a_grid_worker_records_a_visit_today_and_it_is_audited(world):
    worker = world.users["grid_worker"]
    row = visit(worker, world.ours.households[1], on=TODAY, kind=VisitKind.ILLNESS)
    assert row.visitor == worker and row.path == world.ours.households[1].path
    assert row.area == world.ours.households[1].area and row.follow_up == FollowUp.NONE
    assert AuditLog.objects.filter(action="visits.visit.recorded", target_id=str(row.pk)).exists()


def test_a_visit_dated_tomorrow_is_refused_and_today_accepted(world):
    worker = world.users["grid_worker"]
    with pytest.raises(RuleViolation) as exc:
        visit(worker, world.ours.households[1], on=TODAY + timedelta(days=1))
    assert errors(exc.value) == {
        "visited_on": "日期2026-06-11晚于今天：已发生的事项不能填写将来的日期。"
    }
    assert not Visit.objects.exists()
    assert visit(worker, world.ours.households[1], on=TODAY).visited_on == TODAY


def test_every_refusal_at_once(world):
    with pytest.raises(RuleViolations) as exc:
        services.record_visit(
            actor=world.users["grid_worker"],
            household=world.ours.households[0],
            visited_on=TODAY + timedelta(days=3),
            kind="nonsense",
            found="  ",
        )
    assert set(errors(exc.value)) == {"visited_on", "kind", "found"}


def test_a_grid_worker_may_not_visit_the_sibling_community(world):
    with pytest.raises(NotFoundOrForbidden):
        visit(world.users["grid_worker"], world.sibling.households[0])
    assert AuditLog.objects.filter(action="core.permission.denied").exists()


def test_an_inservice_member_visits_only_households_paired_with_them(world, vw):
    zz = world.users["inservice_member"]
    row = visit(zz, vw.paired)
    assert row.member == vw.member and row.visitor == zz
    with pytest.raises(RuleViolation) as exc:
        visit(zz, world.ours.households[1])
    assert errors(exc.value) == {"household": "在职党员只能走访与本人结对联系的住户。"}
    # An ended pair no longer counts.
    vw.member.pairs.update(ended_on=TODAY)
    with pytest.raises(RuleViolation):
        visit(zz, vw.paired)


def test_a_resident_must_live_in_the_household(world):
    person = add_person(world, world.ours.households[1], "王大妈", date(1950, 1, 1), 41)
    with pytest.raises(RuleViolation) as exc:
        visit(world.users["grid_worker"], world.ours.households[0], resident=person)
    assert set(errors(exc.value)) == {"resident"}
    row = visit(world.users["grid_worker"], None, resident=person)
    assert row.household == world.ours.households[1]


def test_photos_are_kept_with_exif_stripped(world):
    row = visit(
        world.users["grid_worker"],
        world.ours.households[1],
        photos=[
            SimpleUploadedFile("a.jpg", jpeg_with_gps()),
            SimpleUploadedFile("b.jpg", jpeg_with_gps()),
        ],
    )
    attachments = list(Attachment.objects.filter(object_id=row.pk))
    assert len(attachments) == 2


def test_a_file_that_is_not_a_photo_keeps_nothing(world):
    with pytest.raises(RuleViolation) as exc:
        visit(
            world.users["grid_worker"],
            world.ours.households[1],
            photos=[SimpleUploadedFile("a.jpg", b"not an image at all")],
        )
    assert exc.value.field == "photos"
    assert not Visit.objects.exists()


def test_a_demand_from_a_visit(world):
    person = add_person(world, world.ours.households[1], "王大妈", date(1950, 1, 1), 41)
    worker = world.users["grid_worker"]
    row = visit(worker, world.ours.households[1], resident=person, found="楼道灯坏了\n晚上看不见")
    assert services.demand_initial(row)["title"] == "楼道灯坏了"
    demand = services.demand_from_visit(row, actor=worker, title="楼道灯坏了", content=row.found)
    row.refresh_from_db()
    assert row.demand == demand and row.follow_up == FollowUp.DEMAND
    assert demand.channel == Channel.VISIT and demand.household == world.ours.households[1]
    assert demand.requester_kind == RequesterKind.RESIDENT and demand.requester_name == "王大妈"
    assert demand.path.startswith(world.ours.grid.path)
    with pytest.raises(RuleViolation) as exc:
        services.demand_from_visit(row, actor=worker, title="再转", content="再转")
    assert exc.value.field == "demand"


def test_an_inservice_member_turns_their_visit_into_a_demand(world, vw):
    zz = world.users["inservice_member"]
    row = visit(zz, vw.paired, found="水管漏水")
    demand = services.demand_from_visit(row, actor=zz, title="水管漏水", content="水管漏水")
    assert demand.household is None and demand.location == vw.paired.place_name()
    assert demand.requester_kind == RequesterKind.HOUSEHOLD


# --- Selectors -----------------------------------------------------------------------------


def test_the_household_picker_is_limited_to_the_users_scope(world, vw):
    worker, zz = world.users["grid_worker"], world.users["inservice_member"]
    door = world.ours.households[1].door_number
    assert world.ours.households[1] in selectors.pick_households(worker, door)
    assert selectors.pick_households(worker, world.sibling.households[0].address) == []
    assert selectors.pick_households(zz, door) == []
    assert selectors.pick_households(zz, vw.paired.door_number) == [vw.paired]


def test_an_inservice_member_sees_only_their_own_visits(world, vw):
    visit(world.users["grid_worker"], world.ours.households[1])
    mine = visit(world.users["inservice_member"], vw.paired)
    assert list(selectors.visits_for(world.users["inservice_member"])) == [mine]
    assert selectors.visits_for(world.users["secretary"]).count() == 2


# --- Pages ---------------------------------------------------------------------------------


def test_the_phone_form_records_a_visit_with_photos_and_goes_to_the_demand(world, client_as):
    client = client_as(world.users["grid_worker"])
    household = world.ours.households[1]
    page = client.get(reverse("visits:create"), {"household": household.pk})
    assert page.status_code == 200 and household.place_name() in page.content.decode()
    response = client.post(
        reverse("visits:create"),
        {
            "household": household.pk,
            "visited_on": "2026-06-10",
            "kind": VisitKind.DIFFICULTY,
            "found": "家中老人摔伤，需要护理",
            "follow_up": FollowUp.DEMAND,
            "photos": [
                SimpleUploadedFile("1.jpg", jpeg_with_gps(), content_type="image/jpeg"),
                SimpleUploadedFile("2.jpg", jpeg_with_gps(), content_type="image/jpeg"),
            ],
        },
    )
    row = Visit.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("visits:demand", args=[row.pk])
    assert Attachment.objects.filter(object_id=row.pk).count() == 2
    form = client.get(response.url)
    assert "家中老人摔伤" in form.content.decode()
    done = client.post(response.url, {"title": "老人需要护理", "content": row.found})
    assert done.status_code == 302
    row.refresh_from_db()
    assert row.demand is not None and row.follow_up == FollowUp.DEMAND
    detail = client.get(row.get_absolute_url()).content.decode()
    assert row.demand.number in detail and "转为诉求" not in detail.split('id="follow-ups"')[1]


def test_the_form_keeps_input_and_names_the_date_in_the_future(world, client_as):
    client = client_as(world.users["grid_worker"])
    response = client.post(
        reverse("visits:create"),
        {
            "household": world.ours.households[1].pk,
            "visited_on": "2026-06-11",
            "kind": VisitKind.ROUTINE,
            "found": "情况良好",
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "晚于今天" in text and "情况良好" in text
    assert not Visit.objects.exists()


def test_a_member_posting_an_unpaired_household_is_refused_at_the_field(world, vw, client_as):
    client = client_as(world.users["inservice_member"])
    response = client.post(
        reverse("visits:create"),
        {
            "household": world.ours.households[1].pk,
            "visited_on": "2026-06-10",
            "kind": VisitKind.ROUTINE,
            "found": "情况良好",
        },
    )
    assert response.status_code == 400
    assert "不在您可走访的范围内" in response.content.decode()
    ok = client.post(
        reverse("visits:create"),
        {"household": vw.paired.pk, "visited_on": "2026-06-10", "kind": "routine", "found": "好"},
    )
    assert ok.status_code == 302


def test_fragments_pick_households_and_residents(world, client_as):
    add_person(world, world.ours.households[1], "王大妈", date(1950, 1, 1), 41)
    client = client_as(world.users["grid_worker"])
    found = client.get(
        reverse("visits:pick_households"), {"q": world.ours.households[1].door_number}
    )
    assert world.ours.households[1].place_name() in found.content.decode()
    people = client.get(
        reverse("visits:pick_residents"), {"household": world.ours.households[1].pk}
    )
    assert "王大妈" in people.content.decode()
    theirs = client.get(
        reverse("visits:pick_residents"), {"household": world.sibling.households[0].pk}
    )
    assert (
        'option value=""' in theirs.content.decode()
        and theirs.content.decode().count("<option") == 1
    )


def test_list_filters_history_mine_and_export(world, vw, client_as):
    worker = world.users["grid_worker"]
    visit(worker, world.ours.households[1], kind=VisitKind.ILLNESS, found="住院甲情况")
    visit(worker, world.ours.households[2], on=TODAY - timedelta(days=40), found="四十天前乙情况")
    visit(world.users["inservice_member"], vw.paired, found="结对丙情况")
    client = client_as(world.users["secretary"])
    text = client.get(reverse("visits:list"), {"kind": "illness"}).content.decode()
    assert "住院甲情况" in text and "四十天前乙情况" not in text
    history = client.get(reverse("visits:list"), {"household": world.ours.households[2].pk})
    assert (
        "四十天前乙情况" in history.content.decode()
        and "住院甲情况" not in history.content.decode()
    )
    ranged = client.get(reverse("visits:list"), {"since": "2026-06-01"}).content.decode()
    assert "四十天前乙情况" not in ranged and "住院甲情况" in ranged
    export = client.get(reverse("visits:list"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "走访日期" in values and "结对丙情况" in values
    mine = client_as(world.users["inservice_member"]).get(reverse("visits:mine"))
    assert mine.status_code == 200
    assert "结对丙情况" in mine.content.decode() and "住院甲情况" not in mine.content.decode()


def test_list_query_count_does_not_grow(world, client_as, django_assert_max_num_queries):
    worker = world.users["grid_worker"]
    client = client_as(world.users["secretary"])
    visit(worker, world.ours.households[1])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("visits:list"))
    for i in range(8):
        visit(worker, world.ours.households[i % 3], found=f"走访{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("visits:list"))


def test_the_sibling_communitys_visit_is_not_found(world, client_as):
    theirs = visit(world.users["district_admin"], world.sibling.households[0])
    client = client_as(world.users["grid_worker"])
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(reverse("visits:demand", args=[theirs.pk])).status_code == 404


# --- API -----------------------------------------------------------------------------------


def test_api_records_lists_and_turns_into_a_demand(world, vw, client_as):
    client = client_as(world.users["grid_worker"])
    url = "/api/v1/visits"
    bad = client.post(
        url,
        {
            "household_id": world.ours.households[1].pk,
            "visited_on": "2026-06-11",
            "kind": "routine",
            "found": "好",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "visited_on"
    made = client.post(
        url,
        {
            "household_id": world.ours.households[1].pk,
            "visited_on": "2026-06-10",
            "kind": "routine",
            "found": "家里漏水",
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    visit_id = made.json()["id"]
    listed = client.get(url, {"kind": "routine"}).json()
    assert [v["id"] for v in listed["items"]] == [visit_id]
    demand = client.post(
        f"{url}/{visit_id}/demand",
        {"title": "漏水", "content": "家里漏水"},
        content_type="application/json",
    )
    assert demand.status_code == 201 and demand.json()["demand_id"]
    member = client_as(world.users["inservice_member"])
    refused = member.post(
        url,
        {
            "household_id": world.ours.households[1].pk,
            "visited_on": "2026-06-10",
            "kind": "routine",
            "found": "好",
        },
        content_type="application/json",
    )
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "household_id"
