"""Micro-wishes: publish (also from a visit), claim by a member or for a unit (concurrent
claims: exactly one wins), fulfil with a photo, the household's confirmation, the wall,
the needs list and its Excel, the API."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image

from gongzhi.accounts.roles import Role
from gongzhi.attachments import services as attachment_services
from gongzhi.attachments.models import Attachment
from gongzhi.attachments.tests.files import photo
from gongzhi.core.errors import DomainError, NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import AuditLog, Notification
from gongzhi.core.testing import make_user, race
from gongzhi.party.choices import Category
from gongzhi.party.models import Member
from gongzhi.party.testing import add_member
from gongzhi.residents.models import Resident
from gongzhi.residents.testing import add_person
from gongzhi.service import wishes
from gongzhi.service.models import Report, Wish
from gongzhi.service.wishes_testing import organ_unit, visit_at
from gongzhi.visits.models import Visit

TODAY = date(2026, 12, 7)


def in_service(world, party, name, serial, username):
    """An in-service member with an account (inservice_member on our community) and a
    confirmed report there."""
    admin = world.users["district_admin"]
    member = add_member(admin, party.ours_branch, name, serial=serial, category=Category.IN_SERVICE)
    user = make_user(username, Role.INSERVICE_MEMBER, world.ours.community, full_name=name)
    Member.objects.filter(pk=member.pk).update(user=user, employer="区财政局")
    member.refresh_from_db()
    Report.objects.create(
        member=member,
        community=world.ours.community,
        path=world.ours.community.path,
        employer="区财政局",
        employer_org="区财政局机关党支部",
        status="confirmed",
        requested_on=TODAY,
        confirmed_on=TODAY,
    )
    return member, user


@pytest.fixture
def people(world, party):
    first = in_service(world, party, "赵志远", 41, "zzy")
    second = in_service(world, party, "钱多多", 42, "qdd")
    household = world.ours.households[0]
    resident = add_person(world, household, "王建国", date(1950, 3, 4), 61)
    resident_user = make_user("wjg", Role.RESIDENT, world.ours.community, full_name="王建国")
    Resident.objects.filter(pk=resident.pk).update(user=resident_user)
    return {
        "member": first[0],
        "member_user": first[1],
        "other": second[0],
        "other_user": second[1],
        "resident_user": resident_user,
        "household": household,
    }


def publish(world, household=None, title="一台助行器", **kw):
    return wishes.publish_wish(
        actor=world.users["secretary"],
        community=world.ours.community,
        title=title,
        wisher="王建国",
        source=kw.pop("source", "request"),
        household=household if household is not None else world.ours.households[0],
        **kw,
    )


def jpeg(name="photo.jpg"):
    return SimpleUploadedFile(name, photo(), content_type="image/jpeg")


def fresh(wish):
    return Wish.objects.get(pk=wish.pk)


# --- Publishing ---------------------------------------------------------------------------


def test_publish_keeps_the_wish_under_the_household_and_tells_reported_members(world, people):
    wish = publish(world, budget=Decimal("120"))
    assert (wish.status, wish.path, wish.budget) == ("open", world.ours.households[0].path, 120)
    assert wish.published_by == world.users["secretary"]
    assert AuditLog.objects.filter(action="service.wish.published", target_id=str(wish.pk)).exists()
    told = set(Notification.objects.filter(kind=wishes.KIND).values_list("user_id", flat=True))
    assert told == {people["member_user"].pk, people["other_user"].pk}


def test_publish_reports_every_bad_field_at_once(world, people):
    with pytest.raises(RuleViolations) as refused:
        wishes.publish_wish(
            actor=world.users["secretary"],
            community=world.ours.community,
            title="",
            wisher="王" * 51,
            source="nowhere",
            budget="-1",
            household=world.sibling.households[0],
        )
    assert {e.field for e in refused.value.errors} == {
        "title",
        "wisher",
        "source",
        "budget",
        "household",
    }
    assert not Wish.objects.exists()


def test_publish_outside_the_actors_community_is_not_found(world, people):
    with pytest.raises(NotFoundOrForbidden):
        wishes.publish_wish(
            actor=world.users["secretary"],
            community=world.sibling.community,
            title="x",
            wisher="y",
            source="request",
        )


def test_publish_from_a_visit_links_the_visit_in_the_same_transaction(world, people):
    visit = visit_at(world.ours.households[0], world.users["grid_worker"], TODAY)
    wish = publish(world, visit=visit, source="request")
    visit = Visit.objects.get(pk=visit.pk)
    assert (visit.wish_id, visit.follow_up, wish.source) == (wish.pk, "wish", "visit")
    with pytest.raises(RuleViolation) as again:
        publish(world, visit=visit)
    assert again.value.field == "visit"


def test_a_refused_publication_leaves_the_visit_unlinked(world, people):
    visit = visit_at(world.ours.households[0], world.users["grid_worker"], TODAY)
    with pytest.raises(RuleViolation):
        publish(world, visit=visit, title="")
    assert Visit.objects.get(pk=visit.pk).wish_id is None


# --- Claiming -----------------------------------------------------------------------------


def test_a_member_claims_as_themselves_and_a_second_claim_is_refused(world, people):
    wish = publish(world)
    wish = wishes.claim_wish(wish, actor=people["member_user"], version=wish.version)
    assert (wish.status, wish.claimed_member, wish.claimed_by) == (
        "claimed",
        people["member"],
        people["member_user"],
    )
    with pytest.raises(RuleViolation) as refused:
        wishes.claim_wish(fresh(wish), actor=people["other_user"], version=wish.version)
    assert (str(refused.value.message), refused.value.field) == ("该心愿已被认领。", "status")


def test_a_stale_read_of_an_open_wish_loses_the_claim_with_the_reason(world, people):
    wish = publish(world)
    stale = fresh(wish)
    wishes.claim_wish(wish, actor=people["member_user"], version=wish.version)
    with pytest.raises(RuleViolation) as refused:
        wishes.claim_wish(stale, actor=people["other_user"], version=stale.version)
    assert (str(refused.value.message), refused.value.field) == ("该心愿已被认领。", "status")
    assert fresh(wish).claimed_member == people["member"]


def test_staff_who_are_no_member_cannot_claim_as_themselves(world, people):
    wish = publish(world)
    assert "claim" not in wishes.WORKFLOW.allowed(wish, world.users["secretary"])
    with pytest.raises(RuleViolation) as refused:
        wishes.claim_wish(wish, actor=world.users["secretary"])
    assert refused.value.field == "member"


def test_staff_claim_for_a_unit_confirmed_in_the_community_only(world, people):
    wish = publish(world)
    elsewhere = organ_unit(world.sibling.community, "邻里单位", TODAY)
    with pytest.raises(RuleViolation) as refused:
        wishes.claim_wish_for_unit(wish, actor=world.users["secretary"], unit=elsewhere)
    assert refused.value.field == "unit"
    unit = organ_unit(world.ours.community, "区税务局", TODAY)
    wish = wishes.claim_wish_for_unit(wish, actor=world.users["secretary"], unit=unit)
    assert (wish.status, wish.claimed_unit, wishes.claimer_name(wish)) == (
        "claimed",
        unit,
        "区税务局",
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_in_threads_exactly_one_wins(flushable_audit_log):
    """Members press 认领 at the same moment, each in a thread with its own connection (a
    file-backed SQLite, GONGZHI_TEST_DB, or PostgreSQL)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("SQLite in memory: set GONGZHI_TEST_DB, or run on PostgreSQL")
    from gongzhi.core.testing import build_world
    from gongzhi.party.testing import build_party

    world = build_world()
    party = build_party(world)
    users = [in_service(world, party, f"并发{i}", 70 + i, f"bf{i}")[1] for i in range(5)]
    wish = publish(world)
    won, refused = race(
        lambda user: wishes.claim_wish(Wish.objects.get(pk=wish.pk), actor=user, version=1),
        users,
    )
    assert len(won) == 1
    assert [(str(e.message), e.field) for e in refused] == [("该心愿已被认领。", "status")] * (
        len(users) - 1
    )
    assert fresh(wish).claimed_by == won[0].claimed_by
    assert AuditLog.objects.filter(action="service.wish.claim").count() == 1


# --- Fulfilling ---------------------------------------------------------------------------


def claimed(world, people):
    wish = publish(world)
    return wishes.claim_wish(wish, actor=people["member_user"], version=wish.version)


def test_the_claimer_fulfils_with_a_photo_stripped_of_its_position(world, people):
    wish = claimed(world, people)
    wish = wishes.fulfil_wish(
        wish, actor=people["member_user"], photo=jpeg(), note="已送到家", version=wish.version
    )
    assert (wish.status, wish.fulfil_note) == ("fulfilled", "已送到家")
    (row,) = Attachment.objects.filter(object_id=wish.pk)
    assert row.mime_type == "image/jpeg" and row.uploaded_by == people["member_user"]
    stored = attachment_services.open_file(row, actor=world.users["secretary"])
    with Image.open(stored) as image:
        assert not image.getexif().get_ifd(0x8825)  # no GPS position kept
    told = set(
        Notification.objects.filter(title__contains="请确认").values_list("user_id", flat=True)
    )
    assert people["resident_user"].pk in told


def test_the_claimers_hours_wait_for_the_household_and_then_count_in_the_ledger(world, people):
    """The loop: hours logged with the fulfilment are a pending line of the member's ledger
    until the household confirms; the confirmation verifies them."""
    from gongzhi.service import ledger
    from gongzhi.service.models import Hours

    wish = claimed(world, people)
    wish = wishes.fulfil_wish(
        wish, actor=people["member_user"], photo=jpeg(), hours=Decimal("2.5"), version=wish.version
    )
    (line,) = Hours.objects.filter(wish=wish)
    assert (line.status, line.hours, line.source) == ("pending", Decimal("2.50"), "manual")
    assert line.volunteer.member == people["member"]
    book = ledger.ledger(people["member_user"], line.volunteer, line.served_on.year)
    assert (book.counted, book.pending) == (Decimal("0"), Decimal("2.50"))
    wishes.confirm_wish(wish, actor=people["resident_user"], satisfaction=5, version=wish.version)
    line.refresh_from_db()
    assert (line.status, line.decided_by) == ("approved", people["resident_user"])
    book = ledger.ledger(people["member_user"], line.volunteer, line.served_on.year)
    assert (book.counted, book.pending) == (Decimal("2.50"), Decimal("0"))


@pytest.mark.parametrize(
    ("hours", "ok"), [("0", False), ("0.5", True), ("8", True), ("8.01", False)]
)
def test_hours_for_a_wish_are_more_than_0_and_at_most_8(world, people, hours, ok):
    from gongzhi.service.models import Hours

    wish = claimed(world, people)
    if ok:
        wishes.fulfil_wish(wish, actor=people["member_user"], photo=jpeg(), hours=Decimal(hours))
        assert Hours.objects.filter(wish=wish).count() == 1
    else:
        with pytest.raises(RuleViolations) as refused:
            wishes.fulfil_wish(wish, actor=people["member_user"], photo=None, hours=Decimal(hours))
        assert {e.field for e in refused.value.errors} == {"photo", "hours"}
        assert fresh(wish).status == "claimed" and not Hours.objects.filter(wish=wish).exists()


def test_fulfil_by_someone_who_did_not_claim_is_refused(world, people):
    wish = claimed(world, people)
    with pytest.raises(RuleViolation) as refused:
        wishes.fulfil_wish(wish, actor=people["other_user"], photo=jpeg())
    assert refused.value.field == "claimer"
    assert AuditLog.objects.filter(action="core.permission.denied").exists()
    assert fresh(wish).status == "claimed"


def test_fulfil_needs_a_photo_and_refuses_a_file_that_is_no_image(world, people):
    wish = claimed(world, people)
    with pytest.raises(RuleViolation) as missing:
        wishes.fulfil_wish(wish, actor=people["member_user"], photo=None)
    assert missing.value.field == "photo"
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(RuleViolation) as bad:
        wishes.fulfil_wish(wish, actor=people["member_user"], photo=fake)
    assert bad.value.field == "photo"
    assert fresh(wish).status == "claimed" and not Attachment.objects.exists()


def test_a_fulfilment_refused_after_the_photo_takes_the_photo_back(world, people):
    wish = claimed(world, people)
    stale = fresh(wish)
    wishes.cancel_wish(wish, actor=world.users["secretary"], reason="心愿人已搬走")
    with pytest.raises(DomainError):  # a conflict: the wish changed since it was read
        wishes.fulfil_wish(stale, actor=people["member_user"], photo=jpeg())
    assert not Attachment.objects.exists()


# --- Confirming ---------------------------------------------------------------------------


def fulfilled(world, people):
    wish = claimed(world, people)
    return wishes.fulfil_wish(wish, actor=people["member_user"], photo=jpeg())


def test_a_resident_of_the_household_confirms_once(world, people):
    wish = fulfilled(world, people)
    wish = wishes.confirm_wish(wish, actor=people["resident_user"], satisfaction=5)
    assert (wish.status, wish.satisfaction, wish.confirmed_on_word) == ("confirmed", 5, False)
    assert wish.confirmed_by == people["resident_user"]
    with pytest.raises(RuleViolation) as again:
        wishes.confirm_wish(fresh(wish), actor=people["resident_user"], satisfaction=4)
    assert (again.value.field, str(again.value.message)) == (
        "status",
        "该心愿已经确认过，不能重复确认。",
    )
    told = Notification.objects.filter(user=people["member_user"], title__contains="已确认")
    assert told.exists()


def test_staff_confirm_on_the_households_word_recorded_as_such(world, people):
    wish = fulfilled(world, people)
    wish = wishes.confirm_wish(wish, actor=world.users["staff"], satisfaction=4)
    assert (wish.confirmed_on_word, wish.confirmed_by) == (True, world.users["staff"])
    record = AuditLog.objects.get(action="service.wish.confirm")
    assert record.data["on_word"] == "True"


def test_confirm_by_someone_outside_the_household_is_refused(world, people):
    wish = fulfilled(world, people)
    neighbour = add_person(world, world.ours.households[1], "邻居", date(1960, 1, 1), 62)
    outsider = make_user("ljr", Role.RESIDENT, world.ours.community)
    Resident.objects.filter(pk=neighbour.pk).update(user=outsider)
    for actor in (outsider, people["member_user"]):
        with pytest.raises(RuleViolation) as refused:
            wishes.confirm_wish(fresh(wish), actor=actor, satisfaction=5)
        assert refused.value.field == "household"
    assert fresh(wish).status == "fulfilled"


@pytest.mark.parametrize("score", [0, 6, None])
def test_satisfaction_is_one_to_five(world, people, score):
    wish = fulfilled(world, people)
    with pytest.raises(RuleViolation) as refused:
        wishes.confirm_wish(wish, actor=people["resident_user"], satisfaction=score)
    assert refused.value.field == "satisfaction"


@pytest.mark.parametrize("score", [1, 5])
def test_satisfaction_bounds_are_accepted(world, people, score):
    wish = fulfilled(world, people)
    assert (
        wishes.confirm_wish(wish, actor=people["resident_user"], satisfaction=score).satisfaction
        == score
    )


def test_a_cancelled_wish_cannot_be_claimed_and_tells_its_claimer(world, people):
    wish = claimed(world, people)
    wish = wishes.cancel_wish(wish, actor=world.users["secretary"], reason="已由民政解决")
    assert wish.status == "cancelled"
    assert Notification.objects.filter(user=people["member_user"], title__contains="撤销").exists()
    with pytest.raises(RuleViolation):
        wishes.claim_wish(fresh(wish), actor=people["other_user"])


# --- Pages --------------------------------------------------------------------------------


def test_the_wall_masks_names_shows_no_door_and_lets_a_member_claim(world, people, client_as):
    wish = publish(world)
    done = claimed(world, people)
    client = client_as(people["other_user"])
    page = client.get(reverse("service:wish_wall")).content.decode()
    assert "王*国" in page and "王建国" not in page
    assert "和顺花园1栋" in page and "101" not in page
    assert "赵*远" in page  # the claimer of the other wish, masked
    assert f'data-wish="{wish.pk}"' in page and f'data-done="{done.pk}"' in page
    answer = client.post(reverse("service:wish_claim", args=[wish.pk]), {"version": wish.version})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("service:wish_fulfil", args=[wish.pk])
    assert fresh(wish).claimed_member == people["other"]


def test_the_wall_shows_nothing_of_the_sibling_community(world, people, client_as):
    wishes.publish_wish(
        actor=world.users["district_admin"],
        community=world.sibling.community,
        title="邻里的心愿",
        wisher="某某",
        source="request",
    )
    page = client_as(people["member_user"]).get(reverse("service:wish_wall")).content.decode()
    assert "邻里的心愿" not in page


def test_a_second_claim_on_the_wall_tells_the_reason(world, people, client_as):
    wish = publish(world)
    wishes.claim_wish(wish, actor=people["member_user"], version=wish.version)
    client = client_as(people["other_user"])
    answer = client.post(
        reverse("service:wish_claim", args=[wish.pk]), {"version": wish.version}, follow=True
    )
    assert "该心愿已被认领" in answer.content.decode()


def test_fulfil_and_confirm_through_the_pages(world, people, client_as):
    wish = claimed(world, people)
    client = client_as(people["member_user"])
    url = reverse("service:wish_fulfil", args=[wish.pk])
    assert client.get(url).status_code == 200
    empty = client.post(url, {"version": wish.version, "note": "送到"})
    assert empty.status_code == 400 and "请上传心愿完成的照片" in empty.content.decode()
    done = client.post(url, {"version": wish.version, "note": "送到", "photo": jpeg()})
    assert done.status_code == 302 and fresh(wish).status == "fulfilled"
    resident = client_as(people["resident_user"])
    wall = resident.get(reverse("service:wish_wall")).content.decode()
    assert f'data-confirm-wish="{wish.pk}"' in wall
    confirm = reverse("service:wish_confirm", args=[wish.pk])
    answer = resident.post(confirm, {"version": fresh(wish).version, "satisfaction": "5"})
    assert answer.status_code == 302 and fresh(wish).status == "confirmed"


def test_an_outsider_does_not_reach_the_step_pages(world, people, client_as):
    wish = claimed(world, people)
    stranger = make_user("mosheng", Role.RESIDENT, world.sibling.community)
    client = client_as(stranger)
    assert client.get(reverse("service:wish_fulfil", args=[wish.pk])).status_code == 404


def test_create_from_a_visit_is_prefilled_and_links_the_visit(world, people, client_as):
    resident = Resident.objects.get(user=people["resident_user"])
    visit = visit_at(world.ours.households[0], world.users["grid_worker"], TODAY)
    Visit.objects.filter(pk=visit.pk).update(resident=resident)
    client = client_as(world.users["secretary"])
    url = reverse("service:wish_create") + f"?visit={visit.pk}"
    form = client.get(url).content.decode()
    assert "王建国" in form and "老人行动不便" in form
    answer = client.post(url, {"title": "一台助行器", "wisher": "王建国", "detail": "老人行动不便"})
    assert answer.status_code == 302
    wish = Wish.objects.get()
    assert Visit.objects.get(pk=visit.pk).wish_id == wish.pk
    assert (wish.community, wish.household, wish.source) == (
        world.ours.community,
        world.ours.households[0],
        "visit",
    )


def test_the_grid_worker_publishes_a_wish_from_their_own_visit(world, people, client_as):
    """The loop's first arrow: the visitor turns the need they found into a wish, though
    they may not publish wishes otherwise."""
    worker = world.users["grid_worker"]
    visit = visit_at(world.ours.households[0], worker, TODAY)
    client = client_as(worker)
    assert client.get(reverse("service:wish_create")).status_code == 403
    url = reverse("service:wish_create") + f"?visit={visit.pk}"
    answer = client.post(url, {"title": "一台助行器", "wisher": "王建国", "detail": "行动不便"})
    assert answer.status_code == 302
    wish = Wish.objects.get()
    assert (wish.household, wish.published_by) == (world.ours.households[0], worker)
    visit.refresh_from_db()
    assert (visit.wish, visit.follow_up) == (wish, "wish")
    sibling = visit_at(world.sibling.households[0], world.users["district_admin"], TODAY)
    assert client.get(reverse("service:wish_create") + f"?visit={sibling.pk}").status_code == 404


def test_create_from_a_visit_of_the_sibling_community_is_not_found(world, people, client_as):
    visit = visit_at(world.sibling.households[0], world.users["district_admin"], TODAY)
    client = client_as(world.users["secretary"])
    assert client.get(reverse("service:wish_create") + f"?visit={visit.pk}").status_code == 404


def test_detail_offers_the_workflows_buttons(world, people, client_as):
    wish = publish(world)
    page = client_as(world.users["secretary"]).get(wish.get_absolute_url()).content.decode()
    assert 'data-action="claim_unit"' in page and 'data-action="cancel"' in page
    assert 'data-action="claim"' not in page


def test_the_needs_list_exports_open_wishes_to_excel(world, people, client_as):
    publish(world, title="一台助行器", budget=Decimal("300"))
    publish(world, title="=HYPERLINK(1)", source="community")
    claimed(world, people)
    client = client_as(world.users["secretary"])
    page = client.get(reverse("service:wish_needs")).content.decode()
    assert "居民提出：1 个，约 300.00 元" in page
    answer = client.get(reverse("service:wish_needs") + "?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == sorted(["一台助行器", "=HYPERLINK(1)"])
    cell = next(c for c in sheet["B"] if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"


def test_the_list_query_count_does_not_grow_with_rows(
    world, people, client_as, django_assert_max_num_queries
):
    client = client_as(world.users["secretary"])
    for i in range(2):
        publish(world, title=f"心愿{i}")
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(conn) as few:
        client.get(reverse("service:wish_list"))
        client.get(reverse("service:wish_wall"))
    for i in range(8):
        wish = publish(world, title=f"更多{i}", household=world.ours.households[i % 3])
        if i % 2:
            wishes.claim_wish(wish, actor=people["member_user"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("service:wish_list"))
        client.get(reverse("service:wish_wall"))


# --- API ----------------------------------------------------------------------------------


def test_api_claim_twice_answers_422_with_the_reason(world, people, client_as):
    wish = publish(world)
    url = f"/api/v1/service/wishes/{wish.pk}/claim"
    first = client_as(people["member_user"]).post(
        url, {"version": wish.version}, content_type="application/json"
    )
    assert first.status_code == 200 and first.json()["status"] == "claimed"
    assert first.json()["claimer"] == "赵*远"
    second = client_as(people["other_user"]).post(
        url, {"version": wish.version}, content_type="application/json"
    )
    assert second.status_code == 422
    assert second.json()["error"]["message"] == "该心愿已被认领。"
    assert second.json()["error"]["field"] == "status"


def test_api_publish_and_wall(world, people, client_as):
    client = client_as(world.users["secretary"])
    answer = client.post(
        "/api/v1/service/wishes",
        {
            "community_id": world.ours.community.pk,
            "title": "一台助行器",
            "wisher": "王建国",
            "source": "request",
            "household_id": world.ours.households[0].pk,
        },
        content_type="application/json",
    )
    assert answer.status_code == 201 and answer.json()["wisher"] == "王*国"
    assert "claim_unit" in answer.json()["allowed"]
    wall = client_as(people["member_user"]).get("/api/v1/service/wishes/wall").json()
    assert [w["title"] for w in wall["items"]] == ["一台助行器"]
    assert wall["items"][0]["allowed"] == ["claim"]


# --- Demo ---------------------------------------------------------------------------------


def test_the_demo_loads_twelve_wishes_per_community_in_every_state_once(world, people):
    from gongzhi.service import demo_wishes

    organ_unit(world.ours.community, "区税务局", TODAY)
    assert "2 个社区，24 个心愿" in demo_wishes.load(TODAY)
    ours = Wish.objects.filter(community=world.ours.community)
    states = {s: ours.filter(status=s).count() for s in ("open", "claimed", "fulfilled")}
    assert states == {"open": 5, "claimed": 3, "fulfilled": 2}
    assert ours.filter(status="confirmed", confirmed_on_word=True).count() == 1
    assert ours.filter(status="cancelled").count() == 1
    assert Attachment.objects.filter(object_id__in=ours.values("pk")).count() == 3
    # The sibling community has no reported members or units: its claims stay open.
    assert Wish.objects.filter(community=world.sibling.community, status="open").count() == 11
    assert "已存在" in demo_wishes.load(TODAY)


def test_the_wall_pages_every_open_wish_before_the_done_ones(world, people, client_as):
    """Open wishes are never cut off by the claimed and confirmed ones: a page of 30, the
    next page the rest; the latest done ones below."""
    from gongzhi.service.wish_views import WALL_PAGE

    done = publish(world, title="已认领的心愿")
    wishes.claim_wish(done, actor=people["member_user"])
    for i in range(WALL_PAGE + 2):
        publish(world, title=f"开放心愿{i:02d}")
    client = client_as(people["member_user"])
    first = client.get(reverse("service:wish_wall")).content.decode()
    second = client.get(reverse("service:wish_wall"), {"page": 2}).content.decode()
    assert first.count("data-wish=") == WALL_PAGE and second.count("data-wish=") == 2
    assert "开放心愿31" in first and "开放心愿00" in second  # newest first
    assert f'data-done="{done.pk}"' in first and "page=2" in first
