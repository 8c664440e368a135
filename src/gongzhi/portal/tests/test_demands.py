"""A resident's demands in the portal: submit with photos, follow, rate, reopen, me too —
every refusal, the scope, anonymity towards the handlers, and the pages and API."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.attachments.models import Attachment
from gongzhi.attachments.params import MAX_IMAGES
from gongzhi.attachments.testing import png_bytes
from gongzhi.core import params
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import Notification, ParameterValue
from gongzhi.core.testing import api_key, make_user
from gongzhi.demands import services
from gongzhi.demands.choices import Channel, Rating, RequesterKind, Status
from gongzhi.demands.models import Demand, DemandEvent, DemandRequester
from gongzhi.portal import demands as portal
from gongzhi.portal.demand_forms import InfoForm
from gongzhi.portal.params import PHOTO_MAX_EDGE, PHOTO_TARGET_KB
from gongzhi.residents.models import Resident

pytestmark = pytest.mark.django_db
TEXT = "3栋2单元楼道灯坏了一周，晚上老人上下楼看不见"


def photo(name="p.png", size=(40, 30)):
    return SimpleUploadedFile(name, png_bytes(size), content_type="image/png")


def photos(n):
    return [photo(f"p{i}.png") for i in range(n)]


def bind(user, household, serial=1):
    """The household binding the "signin" part confirms: the register's person linked."""
    from gongzhi.party.testing import id_number
    from gongzhi.residents.services import register_resident

    resident = register_resident(
        actor=User.objects.get(username="qu"),
        household=household,
        name=user.full_name,
        id_number=id_number(date(1980, 1, 1), serial),
        relation="other",
    )
    Resident.objects.filter(pk=resident.pk).update(user=user)


def submit(user, **kw):
    kw.setdefault("content", TEXT)
    return portal.submit(actor=user, **kw)


def answered(world, demand, demands_world, at=None):
    """Classified, dispatched to the property company, answered (through the services)."""
    staff, handler = world.users["staff"], world.users["unit_handler"]
    demand = services.classify(
        demand, actor=staff, version=demand.version, category=demands_world.hallway, at=at
    )
    demand = services.dispatch(demand, actor=staff, version=demand.version, at=at)
    demand = services.accept(demand, actor=handler, version=demand.version, at=at)
    return services.answer(
        demand, actor=handler, version=demand.version, text="已更换灯泡。", resolved=True, at=at
    )


# --- Submitting ----------------------------------------------------------------------------


def test_a_bound_resident_submits_about_their_household_with_photos(world, bound):
    household = world.ours.households[0]
    demand = submit(bound, household=household, suggestion="建议换声控灯", photos=photos(3))
    assert demand.channel == Channel.PORTAL
    assert demand.requester_user == bound
    assert demand.household == household and demand.area == household.area
    assert demand.requester_name == bound.full_name and demand.requester_phone == bound.phone
    assert demand.suggestion == "建议换声控灯"
    assert demand.status == Status.RECEIVED
    assert demand.title == TEXT[:30]
    assert Attachment.objects.filter(object_id=demand.pk).count() == 3
    assert demand.events.get().action == "create"


def test_an_unbound_resident_names_a_building_of_any_community(world, unbound):
    demand = submit(unbound, area=world.sibling.building)
    assert demand.area == world.sibling.building and demand.household is None
    assert portal.place(world.sibling.building.pk, unbound) is not None


def test_a_bound_resident_names_places_of_their_community_only(world, bound):
    assert portal.place(world.ours.building.pk, bound) == world.ours.building
    assert portal.place(world.sibling.building.pk, bound) is None
    assert list(portal.communities(bound)) == [world.ours.community]


def test_the_place_must_be_a_courtyard_or_building_and_the_household_ones_own(world, unbound):
    with pytest.raises(RuleViolation) as caught:
        submit(unbound, area=world.ours.grid)
    assert caught.value.field == "area"
    with pytest.raises(RuleViolation) as caught:
        submit(unbound, household=world.ours.households[1])
    assert caught.value.field == "household"
    assert not Demand.objects.exists()


def test_every_problem_of_a_submission_at_once(world, unbound):
    with pytest.raises(RuleViolation) as caught:
        submit(unbound, content="  ", area=None, suggestion="建" * 2001)
    fields = {e.field for e in caught.value.errors}
    assert fields == {"area", "content", "suggestion"}


def test_the_category_picked_is_kept_and_confirmed_by_the_community(world, unbound, demands):
    demand = submit(unbound, area=world.ours.building, category=demands.water)
    assert demand.category == demands.water and demand.due_at is None
    assert demand.status == Status.RECEIVED  # the community classifies (and sets the deadline)


def test_photos_refused_leave_nothing_behind(world, unbound):
    not_image = SimpleUploadedFile("a.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    with pytest.raises(RuleViolation) as caught:
        submit(unbound, area=world.ours.building, photos=[photo(), not_image])
    assert caught.value.field == "file"
    assert not Demand.objects.exists() and not Attachment.objects.exists()


def test_nine_photos_pass_and_ten_are_refused(world, unbound):
    assert submit(unbound, area=world.ours.building, photos=photos(9))
    with pytest.raises(RuleViolation) as caught:
        submit(unbound, area=world.ours.building, photos=photos(10))
    assert caught.value.field == "photos"
    assert Demand.objects.count() == 1


def test_a_photo_too_large_is_refused(world, unbound):
    ParameterValue.objects.create(
        key="attachments.max_file_mb", value=1, effective_from=timezone.localdate()
    )
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(RuleViolation) as caught:
        submit(unbound, area=world.ours.building, photos=[big])
    assert "1MB" in caught.value.message
    assert not Demand.objects.exists()


def test_anonymous_hides_the_name_from_the_handler_page_and_api(
    world, bound, demands, client_as, client
):
    demand = submit(bound, household=world.ours.households[0], anonymous=True)
    assert demand.requester_kind == RequesterKind.ANONYMOUS
    assert demand.requester_name == "" and demand.requester_phone == ""
    demand = answered(world, demand, demands)
    services.rate(demand, actor=bound, version=demand.version, rating=Rating.SATISFIED)
    assert not DemandEvent.objects.filter(demand=demand, actor=bound).exists()
    handler = world.users["unit_handler"]
    page = client_as(handler).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert "binding" not in page and "13900001111" not in page and "139****1111" not in page
    client.logout()
    key = api_key(handler)
    answer = client.get(
        f"/api/v1/demands/{demand.pk}", headers={"authorization": f"Bearer {key}"}
    ).content.decode()
    assert "binding" not in answer and "1111" not in answer
    # The resident still follows it.
    assert portal.own_demand(bound, demand.pk) == demand


# --- My demands, the case ----------------------------------------------------------------------


def test_my_demands_are_mine_raised_or_joined_newest_first(world, bound, unbound):
    first = submit(unbound, area=world.ours.building)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        second = submit(bound, household=world.ours.households[0])
    portal.me_too(second, actor=unbound)
    submit(bound, household=world.ours.households[0])  # not theirs
    assert list(portal.my_demands(unbound)) == [second, first]


def test_my_demands_page_queries_do_not_grow_with_rows(world, unbound, client_as):
    client = client_as(unbound)
    submit(unbound, area=world.ours.building)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("portal:demand_list")).status_code == 200
    for _ in range(5):
        submit(unbound, area=world.ours.building)
    with CaptureQueriesContext(connection) as six:
        page = client.get(reverse("portal:demand_list"))
    assert page.content.decode().count("gz-card-link") == 6
    assert len(six) == len(one)


def test_another_residents_demand_is_not_found(world, bound, unbound, client_as):
    demand = submit(bound, household=world.ours.households[0])
    with pytest.raises(NotFoundOrForbidden):
        portal.own_demand(unbound, demand.pk)
    client = client_as(unbound)
    for name in ("portal:demand_detail", "portal:demand_receipt"):
        assert client.get(reverse(name, args=[demand.pk])).status_code == 404
    assert client.post(reverse("portal:demand_rate", args=[demand.pk])).status_code == 404


def test_the_timeline_in_plain_words(world, bound, demands):
    demand = answered(world, submit(bound, household=world.ours.households[0]), demands)
    texts = [step.text for step in portal.timeline(demand)]
    assert texts == ["已受理", "社区已分类", "派给和顺物业处理", "责任单位已接单", "已答复"]


def test_the_receipt_shows_the_number_and_what_happens_next(world, bound, client_as):
    client = client_as(bound)
    answer = client.post(
        reverse("portal:demand_new"),
        {"content": TEXT, "at_home": "on", "category": "", "photos": [photo(), photo()]},
    )
    demand = Demand.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("portal:demand_receipt", args=[demand.pk])
    page = client.get(answer["Location"]).content.decode()
    assert demand.number in page and "接下来会怎样" in page
    assert Attachment.objects.filter(object_id=demand.pk).count() == 2


def test_the_submit_page_keeps_the_input_and_names_each_problem(world, unbound, client_as):
    client = client_as(unbound)
    assert client.get(reverse("portal:demand_new")).status_code == 200
    answer = client.post(
        reverse("portal:demand_new"),
        {"content": "", "suggestion": "换声控灯", "photos": photos(10)},
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "这个字段是必填项" in page or "必填" in page
    assert "请选择诉求发生的小区/院落或楼栋" not in page  # the form's own errors first
    assert "换声控灯" in page
    answer = client.post(
        reverse("portal:demand_new"),
        {"content": TEXT, "area": world.ours.building.pk, "photos": photos(10)},
    )
    assert answer.status_code == 400
    assert "最多上传9张照片" in answer.content.decode()
    assert not Demand.objects.exists()


def test_the_photo_inputs_carry_the_compression_numbers_in_force(world, unbound, client_as):
    """photos.js compresses with the numbers the page gives: today's, not tomorrow's."""
    today = timezone.localdate()
    ParameterValue.objects.create(key=PHOTO_TARGET_KB, value=80, effective_from=today)
    ParameterValue.objects.create(
        key=PHOTO_MAX_EDGE, value=1600, effective_from=today + timedelta(days=1)
    )
    page = client_as(unbound).get(reverse("portal:demand_new")).content.decode()
    for numbers in (page, str(InfoForm()["photos"])):
        assert 'data-target-kb="80"' in numbers
        assert 'data-max-edge="1280" data-min-edge="1024"' in numbers
        assert 'data-quality="80" data-min-quality="50"' in numbers
        assert 'data-max-photos="9"' in numbers
    assert "照片（最多9张）" in page
    ParameterValue.objects.create(key=MAX_IMAGES, value=6, effective_from=today)
    params._bump()  # as set_parameter does: every process reads the values again
    page = client_as(unbound).get(reverse("portal:demand_new")).content.decode()
    assert "照片（最多6张）" in page and 'data-max-photos="6"' in page


# --- Rating and reopening -------------------------------------------------------------------------


def test_rating_by_someone_else_is_refused(world, bound, unbound, demands):
    demand = answered(world, submit(bound, household=world.ours.households[0]), demands)
    portal_demand = Demand.objects.get(pk=demand.pk)
    with pytest.raises(NotFoundOrForbidden):
        services.rate(portal_demand, actor=unbound, version=demand.version, rating=Rating.SATISFIED)
    assert Demand.objects.get(pk=demand.pk).status == Status.ANSWERED


def test_a_co_requester_follows_but_does_not_rate(world, bound, unbound, demands, client_as):
    demand = submit(bound, household=world.ours.households[0])
    portal.me_too(demand, actor=unbound)
    demand = answered(world, Demand.objects.get(pk=demand.pk), demands)
    assert portal.actions(demand, unbound) == []
    answer = client_as(unbound).post(
        reverse("portal:demand_rate", args=[demand.pk]),
        {"version": demand.version, "rating": "satisfied"},
    )
    assert answer.status_code == 404
    assert Demand.objects.get(pk=demand.pk).status == Status.ANSWERED


def test_not_satisfied_then_reopen_within_the_period(world, bound, demands, client_as):
    demand = answered(world, submit(bound, household=world.ours.households[0]), demands)
    client = client_as(bound)
    answer = client.post(
        reverse("portal:demand_rate", args=[demand.pk]),
        {"version": demand.version, "rating": "unsatisfied", "note": "灯还是不亮"},
    )
    assert answer.status_code == 302
    demand.refresh_from_db()
    assert demand.status == Status.RATED and demand.rating == Rating.UNSATISFIED
    assert portal.actions(demand, bound) == ["reopen"]
    answer = client.post(reverse("portal:demand_reopen", args=[demand.pk]), {"reason": "没修好"})
    assert answer.status_code == 302
    event = demand.events.get(action="reopen_request")
    assert event.note == "没修好" and event.actor == bound
    # Asked once per answer; the community reopens through the kernel.
    assert "已申请重办" in portal.reopen_refusal(demand, bound)
    demand = services.reopen(
        demand, actor=world.users["staff"], version=demand.version, reason="居民申请重办"
    )
    assert demand.status == Status.DISPATCHED and demand.reopen_count == 1


@pytest.mark.parametrize(
    ("after", "allowed"),
    [
        (timedelta(days=7) - timedelta(seconds=1), True),
        (timedelta(days=7), True),
        (timedelta(days=7, seconds=1), False),
    ],
)
def test_reopen_period_at_its_threshold(world, bound, demands, after, allowed):
    demand = answered(world, submit(bound, household=world.ours.households[0]), demands)
    demand = services.rate(demand, actor=bound, version=demand.version, rating=Rating.UNSATISFIED)
    at = demand.answered_at + after  # portal.reopen_days: 7
    if allowed:
        portal.request_reopen(demand, actor=bound, reason="没修好", at=at)
        assert demand.events.filter(action="reopen_request").exists()
    else:
        with pytest.raises(RuleViolation) as caught:
            portal.request_reopen(demand, actor=bound, reason="没修好", at=at)
        assert "答复已超过7天" in caught.value.message


def test_reopen_refused_when_satisfied_or_by_someone_else(world, bound, unbound, demands):
    demand = answered(world, submit(bound, household=world.ours.households[0]), demands)
    with pytest.raises(RuleViolation, match="不满意"):
        portal.request_reopen(demand, actor=bound, reason="x")
    demand = services.rate(demand, actor=bound, version=demand.version, rating=Rating.UNSATISFIED)
    with pytest.raises(RuleViolation, match="本人"):
        portal.request_reopen(demand, actor=unbound, reason="x")
    with pytest.raises(RuleViolation) as caught:
        portal.request_reopen(demand, actor=bound, reason=" ")
    assert caught.value.field == "note"


# --- A co-requester: told, linked and worded as one who follows (issue 16) ----------------------


def test_notifications_open_the_case_in_the_portal_for_requester_and_co_requester(
    world, bound, unbound, demands, client_as
):
    """They linked to the staff page (a co-requester's to nothing), which a resident
    signed in by phone cannot open."""
    demand = submit(bound, household=world.ours.households[0])
    portal.me_too(demand, actor=unbound)
    demand = answered(world, Demand.objects.get(pk=demand.pk), demands)
    case = reverse("portal:demand_detail", args=[demand.pk])
    for user in (bound, unbound):
        client = client_as(user)
        tab = client.get(reverse("portal:notifications")).content.decode()
        notes = list(Notification.objects.filter(user=user))
        assert len(notes) >= 3, user  # received or joined, dispatched, accepted, answered
        for note in notes:
            opening = reverse("core:notification_open", args=[note.pk])
            assert f'action="{opening}"' in tab, note.title  # its 查看 button
            opened = client.post(opening, follow=True)
            assert opened.status_code == 200 and opened.redirect_chain == [(case, 302)]
    # Only the requester is asked to rate.
    assert Notification.objects.filter(user=bound, title__endswith="已答复，请评价").exists()
    told = Notification.objects.get(user=unbound, title__contains="已答复")
    assert "评价" not in told.title


def test_a_co_requester_reads_words_for_anyone_and_is_offered_no_action(
    world, bound, unbound, demands, client_as
):
    demand = submit(bound, household=world.ours.households[0])
    portal.me_too(demand, actor=unbound)
    demand = answered(world, Demand.objects.get(pk=demand.pk), demands)
    case = reverse("portal:demand_detail", args=[demand.pk])

    def text(user, url):
        return client_as(user).get(url).content.decode()

    page = text(bound, case)
    assert "已答复，请您评价" in page and "提交评价" in page
    for url in (case, reverse("portal:demand_list")):
        page = text(unbound, url)
        assert "已答复，等待诉求人评价" in page and "请您评价" not in page, url
    page = text(unbound, case)
    assert "提交评价" not in page and "申请重办" not in page and "提交补充" not in page
    api = client_as(unbound).get(f"/api/v1/portal/demands/{demand.pk}").json()
    assert (api["state"], api["actions"]) == ("已答复，等待诉求人评价", [])

    demand = services.rate(demand, actor=bound, version=demand.version, rating=Rating.UNSATISFIED)
    page = text(unbound, case)
    assert "评价为不满意，社区将重新安排" in page and "您不满意" not in page
    assert "申请重办" not in page
    page = text(bound, case)
    assert "评价为不满意，社区将重新安排" in page and "申请重办" in page
    # The receipt asks to rate and to reopen: the requester's alone.
    receipt = reverse("portal:demand_receipt", args=[demand.pk])
    assert client_as(bound).get(receipt).status_code == 200
    assert client_as(unbound).get(receipt).status_code == 404


# --- Adding information ------------------------------------------------------------------------


def test_the_requester_adds_information_to_an_open_case(world, bound, unbound, demands):
    demand = submit(bound, household=world.ours.households[0], photos=photos(8))
    portal.add_info(demand, actor=bound, note="晚上8点后最暗", photos=[photo()])
    event = demand.events.get(action="add_info")
    assert event.note == "晚上8点后最暗"
    assert Attachment.objects.filter(object_id=demand.pk).count() == 9
    with pytest.raises(RuleViolation, match="最多9张照片，已有9张，本次又选了1张"):
        portal.add_info(demand, actor=bound, note="再补一张", photos=[photo()])
    with pytest.raises(RuleViolation, match="本人"):
        portal.add_info(demand, actor=unbound, note="x")
    demand = answered(world, Demand.objects.get(pk=demand.pk), demands)
    with pytest.raises(RuleViolation, match="已答复或办结"):
        portal.add_info(demand, actor=bound, note="x")


# --- Me too and the place's public answers -------------------------------------------------------


def test_me_too_joins_the_case_and_tells_of_progress(world, bound, unbound, demands):
    demand = submit(bound, household=world.ours.households[0])
    portal.me_too(demand, actor=unbound)
    joined = DemandRequester.objects.get(demand=demand)
    assert joined.user == unbound and joined.phone == unbound.phone
    with pytest.raises(RuleViolation, match="已在跟进"):
        portal.me_too(demand, actor=unbound)
    with pytest.raises(RuleViolation, match="已在跟进"):
        portal.me_too(demand, actor=bound)
    demand = services.classify(
        Demand.objects.get(pk=demand.pk),
        actor=world.users["staff"],
        version=demand.version,
        category=demands.hallway,
    )
    demand = services.dispatch(demand, actor=world.users["staff"], version=demand.version)

    assert Notification.objects.filter(user=unbound, title__contains="已派至和顺物业").exists()
    answered_demand = answered(world, submit(bound, household=world.ours.households[0]), demands)
    with pytest.raises(RuleViolation, match="已答复或办结"):
        portal.me_too(answered_demand, actor=unbound)


def test_me_too_outside_the_residents_community_is_not_found(world, bound):
    other = make_user("other", Role.RESIDENT, world.sibling.community)
    bind(other, world.sibling.households[0], serial=2)
    demand = submit(other, household=world.sibling.households[0])
    with pytest.raises(NotFoundOrForbidden):
        portal.me_too(demand, actor=bound)


def test_the_place_shows_others_answers_masked(world, bound, unbound, demands, client_as):
    raised = answered(world, submit(bound, area=world.ours.building), demands)
    still_open = submit(bound, area=world.ours.building)
    page = client_as(unbound).get(reverse("portal:demand_place", args=[world.ours.building.pk]))
    text = page.content.decode()
    assert raised.answer in text and still_open.title in text
    assert bound.full_name not in text and "1111" not in text
    assert text.count("我也遇到了") >= 1
    assert portal.place_demands(world.ours.building, bound) == []  # their own are not "others'"


def test_the_case_links_to_its_place(world, bound, client_as):
    demand = submit(bound, household=world.ours.households[0])
    assert portal.place_of(demand.area) == world.ours.building  # the unit's building
    page = client_as(bound).get(reverse("portal:demand_detail", args=[demand.pk]))
    assert reverse("portal:demand_place", args=[world.ours.building.pk]) in page.content.decode()


def test_similar_open_cases_are_offered_me_too(world, bound, unbound):
    demand = submit(bound, area=world.ours.building)
    assert portal.similar_open(world.ours.building, TEXT, unbound) == [demand]
    assert portal.similar_open(world.ours.building, "小区门口垃圾桶满了", unbound) == []


# --- The API ----------------------------------------------------------------------------------------


def test_the_api_submits_with_photos_follows_and_refuses_in_json(world, unbound, client_as):
    client = client_as(unbound)
    answer = client.post(
        "/api/v1/portal/demands",
        {"content": TEXT, "area_id": world.ours.building.pk, "photos": [photo(), photo()]},
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["number"] and len(body["photos"]) == 2 and body["steps"][0]["text"] == "已受理"
    listed = client.get("/api/v1/portal/demands").json()
    assert [d["id"] for d in listed["items"]] == [body["id"]]
    refused = client.post(
        "/api/v1/portal/demands",
        {"content": TEXT, "area_id": world.ours.building.pk, "photos": photos(10)},
    )
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "photos"
    refused = client.post("/api/v1/portal/demands", {"content": TEXT})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "area_id"
    refused = client.post(
        f"/api/v1/portal/demands/{body['id']}/rate",
        {"version": 1, "rating": "satisfied"},
        content_type="application/json",
    )
    assert refused.status_code == 422 and "已受理" in refused.json()["error"]["message"]
    assert client.get("/api/v1/portal/demands/999999").status_code == 404
    info = client.post(
        f"/api/v1/portal/demands/{body['id']}/add_info", {"note": "补充", "photos": [photo()]}
    )
    assert info.status_code == 200 and len(info.json()["photos"]) == 3
    suggest = client.get("/api/v1/portal/demands/suggest", {"text": "楼道灯"})
    assert suggest.status_code == 200
    place = client.get("/api/v1/portal/demands/place", {"area_id": world.ours.building.pk})
    assert place.status_code == 200 and place.json()["demands"] == []  # their own


def test_the_api_me_too_and_the_places_list(world, bound, unbound, client_as):
    demand = submit(bound, household=world.ours.households[0])
    client = client_as(unbound)
    places = client.get("/api/v1/portal/demands/places", {"area_id": world.ours.community.pk})
    assert {p["id"] for p in places.json()} == {world.ours.estate.pk, world.ours.building.pk}
    joined = client.post(f"/api/v1/portal/demands/{demand.pk}/me_too")
    assert joined.status_code == 200 and joined.json()["requester"] is False
    again = client.post(f"/api/v1/portal/demands/{demand.pk}/me_too")
    assert again.status_code == 422


def test_a_merged_demand_leads_to_the_case_it_joined(world, bound, unbound, client_as):
    first = submit(unbound, area=world.ours.building)
    mine = submit(bound, household=world.ours.households[0])
    staff = world.users["staff"]
    services.merge(mine, actor=staff, version=mine.version, into=first)
    mine.refresh_from_db()
    assert portal.joined_case(mine, bound) == first
    page = client_as(bound).get(reverse("portal:demand_detail", args=[mine.pk]))
    text = page.content.decode()
    assert "已与同一问题的诉求合并办理" in text
    # Its deadline is the joined case's, never one still to be set or its own old one.
    assert "办理期限以合并后的诉求为准" in text
    assert "社区分类后确定办理期限" not in text and "办结期限" not in text
    assert f"查看合并后的诉求 {first.number} 的办理进度" in text
    assert first.get_resident_url() in text
    # The case it joined opens for them; a case they do not follow is never offered.
    assert client_as(bound).get(first.get_resident_url()).status_code == 200
    DemandRequester.objects.filter(demand=first, user=bound).delete()
    assert portal.joined_case(mine, bound) is None
    assert portal.joined_case(first, unbound) is None  # not merged
