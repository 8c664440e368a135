"""The care list (五必访): services, suggestions from care tags (sensitive ones hidden),
major events with their notifications, scope, pages and API.

Page tests (named ``*page*``) that draw the 登记走访 link need the visit form's URL
(``visits:create``, helper "visits"): run after the merge."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import AuditLog, Notification
from gongzhi.core.testing import api_key, make_user
from gongzhi.residents.models import CareTag
from gongzhi.residents.services import set_tag
from gongzhi.residents.testing import add_person

from .. import care
from ..care_testing import care_row
from ..choices import CareReason, CareTier
from ..models import CareHousehold

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin(world):
    return world.users["district_admin"]


def _add(world, user=None, n=0, tier=CareTier.HIGH_RISK, **kw):
    return care.add_care(
        actor=user or world.users["secretary"],
        household=world.ours.households[n],
        tier=tier,
        reason=kw.pop("reason", CareReason.ELDERLY_ALONE),
        **kw,
    )


# --- Adding, changing, ending -------------------------------------------------------------


def test_add_care_household_is_audited(world):
    entry = _add(world, note="独居，行动不便")
    assert entry.path == world.ours.households[0].path
    assert entry.since == date(2026, 3, 20) and entry.is_active
    record = AuditLog.objects.get(action="visits.care.added")
    assert record.data == {"tier": "high_risk", "reason": "elderly_alone"}


def test_a_household_already_listed_is_refused_at_its_field(world):
    _add(world)
    with pytest.raises(RuleViolation) as exc:
        _add(world, tier=CareTier.KEY)
    assert exc.value.field == "household" and "已在关爱名单" in str(exc.value.message)


def test_all_refusals_of_one_input_at_once(world):
    with pytest.raises(RuleViolations) as exc:
        care.add_care(
            actor=world.users["secretary"],
            household=world.ours.households[0],
            tier="weekly",
            reason="",
            since=date(2026, 3, 21),
        )
    assert {e.field for e in exc.value.errors} == {"tier", "reason", "since"}
    assert not CareHousehold.objects.exists()


def test_sibling_household_and_members_are_refused(world):
    with pytest.raises(NotFoundOrForbidden):
        care.add_care(
            actor=world.users["secretary"],
            household=world.sibling.households[0],
            tier=CareTier.KEY,
            reason=CareReason.DIFFICULT,
        )
    with pytest.raises(NotFoundOrForbidden):
        _add(world, user=world.users["inservice_member"])
    assert AuditLog.objects.filter(action="core.permission.denied").count() == 2


def test_update_tier_clears_an_event_when_no_longer_high_risk(world):
    entry = _add(world)
    entry = care.record_event(
        entry,
        actor=world.users["secretary"],
        version=entry.version,
        event_at=NOW - timedelta(hours=2),
        event_note="老人摔倒住院",
    )
    entry = care.update_care(
        entry,
        actor=world.users["secretary"],
        version=entry.version,
        tier=CareTier.KEY,
        reason=CareReason.ELDERLY_ALONE,
        note="已出院",
    )
    assert entry.tier == CareTier.KEY and entry.event_at is None
    with pytest.raises(Conflict):
        care.update_care(
            entry,
            actor=world.users["secretary"],
            version=entry.version - 1,
            tier=CareTier.NORMAL,
            reason=CareReason.ELDERLY_ALONE,
            note="",
        )


def test_end_and_add_again(world):
    entry = _add(world, tier=CareTier.KEY)
    entry = care.end_care(entry, actor=world.users["secretary"], version=entry.version, note="迁出")
    assert not entry.is_active
    with pytest.raises(RuleViolation):
        care.end_care(entry, actor=world.users["secretary"], version=entry.version)
    again = _add(world, tier=CareTier.NORMAL, reason=CareReason.DIFFICULT)
    assert again.pk == entry.pk and again.is_active and again.tier == CareTier.NORMAL


# --- Major events ---------------------------------------------------------------------------


def test_major_event_notifies_the_grid_workers(world):
    other_grid_worker = make_user("wg2", Role.GRID_WORKER, world.sibling.grid)
    entry = _add(world)
    care.record_event(
        entry,
        actor=world.users["secretary"],
        version=entry.version,
        event_at=NOW - timedelta(hours=1),
        event_note="家属去世",
    )
    [note] = Notification.objects.filter(kind="visits.event")
    assert note.user == world.users["grid_worker"]
    assert "03-21 09:00" in note.title  # 24 hours after the event
    assert note.link == entry.get_absolute_url()
    assert not Notification.objects.filter(user=other_grid_worker).exists()
    assert AuditLog.objects.filter(action="visits.care.event").exists()


def test_event_refusals(world):
    key = _add(world, tier=CareTier.KEY)
    with pytest.raises(RuleViolation) as exc:
        care.record_event(
            key,
            actor=world.users["secretary"],
            version=key.version,
            event_at=NOW - timedelta(hours=1),
            event_note="住院",
        )
    assert exc.value.field == "tier"
    high = _add(world, n=1)
    with pytest.raises(RuleViolations) as exc:
        care.record_event(
            high,
            actor=world.users["secretary"],
            version=high.version,
            event_at=NOW + timedelta(minutes=1),
            event_note=" ",
        )
    assert {e.field for e in exc.value.errors} == {"event_at", "event_note"}
    with pytest.raises(RuleViolation) as exc:
        care.record_event(
            high,
            actor=world.users["secretary"],
            version=high.version,
            event_at=datetime(2026, 3, 19, 23, 59, tzinfo=SHANGHAI),
            event_note="住院",
        )
    assert exc.value.field == "event_at" and "早于" in str(exc.value.message)
    assert not Notification.objects.exists()


# --- Suggestions from care tags -------------------------------------------------------------


@pytest.fixture
def tagged(world, admin):
    """Our households: 0 with 孤寡老人 (plain), 1 with 残疾人 (sensitive), 2 untagged;
    the sibling's 0 with 低保户."""
    plain = CareTag.objects.create(name="孤寡老人")
    sensitive = CareTag.objects.create(name="残疾人", sensitive=True)
    poor = CareTag.objects.create(name="低保户")
    people = {}
    for key, household, tag, serial in (
        ("alone", world.ours.households[0], plain, 41),
        ("disabled", world.ours.households[1], sensitive, 42),
        ("sibling", world.sibling.households[0], poor, 43),
    ):
        person = add_person(world, household, f"居民{serial}", date(1950, 1, 1), serial)
        set_tag(person, actor=admin, tag=tag, on=date(2026, 1, 1))
        people[key] = person
    return people


def test_suggestions_from_care_tags(world, tagged):
    found = care.suggestions(world.users["secretary"])
    assert [(s.household, s.tags, s.reason) for s in found] == [
        (world.ours.households[0], ["孤寡老人"], CareReason.ELDERLY_ALONE),
        (world.ours.households[1], ["残疾人"], CareReason.DISABLED),
    ]
    _add(world)  # household 0 is listed now
    assert [s.household for s in care.suggestions(world.users["secretary"])] == [
        world.ours.households[1]
    ]


def test_sensitive_tags_stay_hidden_from_grid_workers(world, tagged):
    found = care.suggestions(world.users["grid_worker"])
    assert [s.household for s in found] == [world.ours.households[0]]
    household = world.ours.households[1].pk
    assert care.household_tags(world.users["grid_worker"], [household]) == {}
    assert care.household_tags(world.users["secretary"], [household]) == {household: ["残疾人"]}
    assert care.suggested_reason(world.users["grid_worker"], household) == ""


def test_suggestions_query_count_does_not_grow(world, tagged, admin, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        care.suggestions(world.users["secretary"])
    tag = CareTag.objects.get(name="孤寡老人")
    from gongzhi.core.testing import make_household

    for i in range(6):
        household = make_household(world.ours.unit, f"8{i:02d}1", f"8{i:02d}")
        person = add_person(world, household, f"老人{i}", date(1945, 1, 1), 60 + i)
        set_tag(person, actor=admin, tag=tag, on=date(2026, 1, 1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(care.suggestions(world.users["secretary"])) == 8


# --- Reads ----------------------------------------------------------------------------------


def test_cares_for_is_scoped(world, admin):
    ours = _add(world)
    theirs = care.add_care(
        actor=admin,
        household=world.sibling.households[0],
        tier=CareTier.KEY,
        reason=CareReason.DIFFICULT,
    )
    assert list(care.cares_for(world.users["secretary"])) == [ours]
    assert list(care.cares_for(world.users["grid_worker"])) == [ours]
    assert set(care.cares_for(world.users["street_admin"])) == {ours, theirs}
    assert not care.cares_for(world.users["inservice_member"]).exists()
    with pytest.raises(NotFoundOrForbidden):
        care.get_care(world.users["secretary"], theirs.pk)


def test_grid_workers_include_the_responsibility_map(world, admin):
    from gongzhi.residents.choices import Duty
    from gongzhi.residents.models import Responsibility

    linked = make_user("wg_link", area=world.ours.community)
    Responsibility.objects.create(
        area=world.ours.grid,
        path=world.ours.grid.path,
        duty=Duty.GRID_WORKER,
        name="网格员乙",
        user=linked,
    )
    assert care.grid_workers(world.ours.households[0]) == [world.users["grid_worker"], linked]


# --- Pages ----------------------------------------------------------------------------------


def test_care_list_and_export(world, admin, client_as):
    import io

    import openpyxl

    _add(world, note="独居")
    care.add_care(
        actor=admin,
        household=world.sibling.households[0],
        tier=CareTier.KEY,
        reason=CareReason.DIFFICULT,
    )
    client = client_as(world.users["secretary"])
    response = client.get(reverse("visits:care_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.ours.households[0].address in body
    assert world.sibling.households[0].address not in body
    export = client.get(reverse("visits:care_list") + "?export=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "高风险"


def test_care_list_query_count_does_not_grow(world, client_as, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.core.testing import make_household

    client = client_as(world.users["secretary"])
    _add(world)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("visits:care_list"))
    for i in range(8):
        household = make_household(world.ours.unit, f"7{i:02d}1", f"7{i:02d}")
        care_row(household, CareTier.NORMAL, date(2026, 1, 1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("visits:care_list")).status_code == 200


def test_care_list_refuses_members(world, client_as):
    response = client_as(world.users["inservice_member"]).get(reverse("visits:care_list"))
    assert response.status_code == 403


def test_add_form_keeps_input_and_shows_every_error(world, client_as):
    client = client_as(world.users["secretary"])
    response = client.post(
        reverse("visits:care_create"),
        {"household": world.ours.households[0].pk, "tier": "", "reason": "", "note": "说明"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count("is-invalid") >= 2 and "说明" in body
    assert not CareHousehold.objects.exists()


def test_add_form_from_a_suggestion(world, tagged, client_as):
    client = client_as(world.users["secretary"])
    household = world.ours.households[0]
    response = client.get(reverse("visits:care_create") + f"?household={household.pk}")
    assert response.status_code == 200
    assert 'value="elderly_alone" selected' in response.content.decode()
    response = client.post(
        reverse("visits:care_create"),
        {
            "household": household.pk,
            "tier": CareTier.KEY,
            "reason": CareReason.ELDERLY_ALONE,
            "note": "",
            "since": "2026-03-01",
        },
    )
    entry = CareHousehold.objects.get()
    assert response.status_code == 302 and response.url == entry.get_absolute_url()


def test_sibling_household_is_an_invalid_choice(world, client_as):
    response = client_as(world.users["secretary"]).post(
        reverse("visits:care_create"),
        {
            "household": world.sibling.households[0].pk,
            "tier": CareTier.KEY,
            "reason": CareReason.DIFFICULT,
        },
    )
    assert response.status_code == 400 and not CareHousehold.objects.exists()


def test_event_form_refuses_a_future_time(world, client_as):
    entry = _add(world)
    response = client_as(world.users["secretary"]).post(
        reverse("visits:care_event", args=[entry.pk]),
        {"version": entry.version, "event_at": "2026-03-20T11:00", "event_note": "住院"},
    )
    assert response.status_code == 400
    assert "晚于现在" in response.content.decode()


def test_event_and_end_forms(world, client_as):
    entry = _add(world)
    client = client_as(world.users["secretary"])
    response = client.post(
        reverse("visits:care_event", args=[entry.pk]),
        {"version": entry.version, "event_at": "2026-03-20T08:30", "event_note": "住院"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert timezone.localtime(entry.event_at) == datetime(2026, 3, 20, 8, 30, tzinfo=SHANGHAI)
    response = client.post(
        reverse("visits:care_end", args=[entry.pk]), {"version": entry.version, "note": "搬离"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert not entry.is_active


def test_sibling_care_pages_are_404(world, admin, client_as):
    theirs = care.add_care(
        actor=admin,
        household=world.sibling.households[0],
        tier=CareTier.HIGH_RISK,
        reason=CareReason.DIFFICULT,
    )
    client = client_as(world.users["secretary"])
    for name in ("visits:care_detail", "visits:care_edit", "visits:care_event"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse("visits:care_end", args=[theirs.pk])).status_code == 404


def test_suggestions_list(world, tagged, client_as):
    response = client_as(world.users["grid_worker"]).get(reverse("visits:care_suggestions"))
    body = response.content.decode()
    assert response.status_code == 200 and "孤寡老人" in body and "残疾人" not in body


def test_care_detail_page(world, client_as):
    entry = _add(world)
    response = client_as(world.users["grid_worker"]).get(entry.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "登记走访" in body and "?household=" in body


# --- API ------------------------------------------------------------------------------------


def _api(client, user):
    key = api_key(user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_api_add_event_and_list(world, client):
    headers = _api(client, world.users["secretary"])
    response = client.post(
        "/api/v1/visits/care",
        json.dumps(
            {
                "household_id": world.ours.households[0].pk,
                "tier": "high_risk",
                "reason": "elderly_alone",
            }
        ),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    response = client.post(
        f"/api/v1/visits/care/{entry['id']}/event",
        json.dumps(
            {
                "event_at": "2026-03-20T12:00:00+08:00",
                "event_note": "住院",
                "version": entry["version"],
            }
        ),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "event_at"
    response = client.post(
        f"/api/v1/visits/care/{entry['id']}/event",
        json.dumps({"event_at": "0001-01-01T00:00:00", "event_note": "住院", "version": 1}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422
    response = client.get("/api/v1/visits/care", **headers)
    assert [r["household_id"] for r in response.json()["items"]] == [world.ours.households[0].pk]


def test_api_sibling_household_is_404(world, client):
    headers = _api(client, world.users["secretary"])
    response = client.post(
        "/api/v1/visits/care",
        json.dumps(
            {"household_id": world.sibling.households[0].pk, "tier": "key", "reason": "difficult"}
        ),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 404


def test_api_compliance_and_due(world, client):
    _add(world)
    headers = _api(client, world.users["street_admin"])
    response = client.get(f"/api/v1/visits/compliance?area_id={world.street.pk}", **headers)
    assert response.status_code == 200
    data = response.json()
    assert [c["community_name"] for c in data["communities"]] == ["和顺社区", "邻里社区"]
    assert data["total"]["households"] == {"ok": 0, "due": 1, "overdue": 0}
    rows = client.get("/api/v1/visits/compliance/households", **headers).json()
    assert rows[0]["state"] == "due" and rows[0]["due"] == "2026-03-27"
