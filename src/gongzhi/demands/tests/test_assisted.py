"""代办: staff submit a demand for a resident who cannot, with the resident's consent; the
resident is its requester, is texted that it was submitted for them and by whom, and
follows it with their own account; nothing is written when an input is refused."""

import pytest
import time_machine
from django.urls import reverse

from gongzhi.accounts.roles import Role
from gongzhi.core.errors import RuleViolations
from gongzhi.core.models import AuditLog, Notification
from gongzhi.core.testing import api_key, make_user, sign_in
from gongzhi.core.tests.stubs import HttpStub
from gongzhi.demands import assisted
from gongzhi.demands.choices import Channel, Consent, RequesterKind
from gongzhi.demands.models import Assistance, Demand

from .test_services import sh

pytestmark = pytest.mark.django_db

PHONE = "13911112222"


def fields(world, **kw):
    values = {
        "area": world.ours.grid,
        "title": "楼道扶手松动",
        "content": "3栋2单元楼道扶手松动，老人上下楼害怕摔倒，自己不会用手机反映。",
        "channel": Channel.VISIT,
        "requester_kind": RequesterKind.RESIDENT,
        "requester_name": "李大爷",
        "requester_phone": PHONE,
    }
    return {**values, **kw}


@time_machine.travel(sh(2026, 9, 30, 10, 0), tick=False)
def test_a_grid_worker_submits_for_a_resident_who_is_texted_and_follows_it(
    world, settings, django_capture_on_commit_callbacks
):
    grid_worker = world.users["grid_worker"]
    resident = make_user("ldy", Role.RESIDENT, world.ours.community, full_name="李大爷")
    resident.phone = PHONE
    resident.save(update_fields=["phone"])
    with HttpStub() as gateway:
        settings.GONGZHI_NOTIFICATION_SENDERS = ["gongzhi.core.senders.SmsSender"]
        settings.GONGZHI_SMS_GATEWAY, settings.GONGZHI_SMS_URL = "http", gateway.url + "/sms"
        with django_capture_on_commit_callbacks(execute=True):
            demand = assisted.submit_for_resident(
                actor=grid_worker,
                consent=Consent.IN_PERSON,
                consent_note="入户走访时当面同意",
                **fields(world),
            )
        texts = [seen.json() for seen in gateway.seen]
    assert demand.requester_user == resident
    help_ = Assistance.objects.get(demand=demand)
    assert (help_.resident, help_.assisted_by, help_.consent) == (
        resident,
        grid_worker,
        Consent.IN_PERSON,
    )
    # One text, naming who submitted it, so that the resident can object.
    assert len(texts) == 1 and texts[0]["phone"] == PHONE
    who = grid_worker.full_name or grid_worker.username
    assert f"由{who}代您提交" in texts[0]["content"]
    assert Notification.objects.filter(user=resident, title__contains="代您提交").count() == 1
    log = AuditLog.objects.get(action="demands.demand.assisted")
    assert log.data == {"consent": "in_person", "account": True}
    assert PHONE not in str(log.data)
    # The resident follows it as its requester.
    assert resident.has_perm("demands.view_own", demand)


def test_a_staff_account_with_the_number_is_not_the_resident(world):
    staff = world.users["staff"]
    staff.phone = PHONE
    staff.save(update_fields=["phone"])
    demand = assisted.submit_for_resident(
        actor=world.users["grid_worker"], consent=Consent.PHONE, **fields(world)
    )
    assert demand.requester_user is None and demand.requester_phone == PHONE
    assert Assistance.objects.get(demand=demand).resident is None


def test_every_refusal_at_once_and_nothing_written(world):
    with pytest.raises(RuleViolations) as refused:
        assisted.submit_for_resident(
            actor=world.users["grid_worker"],
            consent="",
            consent_note="说" * 201,
            **fields(world, requester_kind=RequesterKind.ANONYMOUS, requester_phone="", title=""),
        )
    assert {e.field for e in refused.value.errors} == {
        "consent",
        "consent_note",
        "requester_kind",
        "requester_phone",
        "title",
    }
    assert not Demand.objects.exists() and not Assistance.objects.exists()


def test_a_bad_phone_is_named_once(world):
    with pytest.raises(RuleViolations) as refused:
        assisted.submit_for_resident(
            actor=world.users["grid_worker"],
            consent="",
            **fields(world, requester_phone="12345"),
        )
    assert sorted(e.field for e in refused.value.errors) == ["consent", "requester_phone"]


def test_the_intake_page_submits_for_a_resident_and_the_detail_says_so(world, client):
    sign_in(client, world.users["grid_worker"])
    data = {
        "channel": Channel.VISIT,
        "area": world.ours.grid.pk,
        "title": "楼道扶手松动",
        "content": "3栋2单元楼道扶手松动，老人上下楼害怕摔倒。",
        "requester_kind": RequesterKind.RESIDENT,
        "requester_name": "李大爷",
        "requester_phone": PHONE,
        "assisted": "on",
    }
    refused = client.post(reverse("demands:intake"), data)
    page = refused.content.decode()
    assert refused.status_code == 400 and "居民同意方式：请选择居民同意代办的方式。" in page
    assert "楼道扶手松动" in page  # the input kept
    assert not Demand.objects.exists()
    done = client.post(reverse("demands:intake"), {**data, "consent": Consent.FAMILY}, follow=True)
    demand = Demand.objects.get()
    assert done.status_code == 200 and Assistance.objects.filter(demand=demand).exists()
    detail = client.get(demand.get_absolute_url()).content.decode()
    assert "代为提交（家属代为同意）" in detail


def test_the_api_submits_for_a_resident(world, client):
    key = api_key(world.users["grid_worker"])
    body = {
        "area_id": world.ours.grid.pk,
        "title": "楼道扶手松动",
        "content": "3栋2单元楼道扶手松动，老人上下楼害怕摔倒。",
        "requester_kind": "resident",
        "requester_name": "李大爷",
        "requester_phone": PHONE,
    }
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    missing = client.post(
        "/api/v1/demands",
        {**body, "assisted": {"consent_note": "电话里同意"}},
        content_type="application/json",
        **auth,
    )
    assert 400 <= missing.status_code < 500 and missing.json()
    assert not Demand.objects.exists()
    made = client.post(
        "/api/v1/demands",
        {**body, "assisted": {"consent": "phone", "consent_note": "电话里同意"}},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201, made.content
    assert Assistance.objects.get().consent == Consent.PHONE


def test_a_desk_demand_with_a_residents_number_is_theirs_to_follow(world):
    """Recorded at the desk (no 代办) with the number of a resident's account: the
    resident follows it in the portal; a staff account's number makes nobody the requester."""
    from gongzhi.demands import services

    resident = make_user("ldy", Role.RESIDENT, world.ours.community, full_name="李大爷")
    resident.phone = PHONE
    resident.save(update_fields=["phone"])
    demand = services.create_demand(actor=world.users["staff"], **fields(world))
    assert demand.requester_user == resident
    staff = world.users["branch_secretary"]
    staff.phone = "13922223333"
    staff.save(update_fields=["phone"])
    other = services.create_demand(
        actor=world.users["staff"], **fields(world, requester_phone="13922223333")
    )
    assert other.requester_user is None


def test_the_first_sign_in_by_phone_claims_the_demands_of_the_number(world):
    """Submitted for them (代办) and taken at the desk before they had an account: both
    become the new account's; another number's, and one already someone's, stay as they are."""
    from gongzhi.demands import services
    from gongzhi.portal import signin

    helped = assisted.submit_for_resident(
        actor=world.users["grid_worker"], consent=Consent.PHONE, **fields(world)
    )
    desk = services.create_demand(actor=world.users["staff"], **fields(world, title="路灯不亮"))
    stranger = services.create_demand(
        actor=world.users["staff"], **fields(world, title="噪音扰民", requester_phone="13933334444")
    )
    owner = make_user("wjg", Role.RESIDENT, world.ours.community)
    owned = services.create_demand(
        actor=world.users["staff"], requester_user=owner, **fields(world, title="井盖缺失")
    )
    assert helped.requester_user is None and desk.requester_user is None

    user = signin._account(PHONE).user  # what the verified code leads to
    assert set(Demand.objects.filter(requester_user=user)) == {helped, desk}
    assert Assistance.objects.get(demand=helped).resident == user
    assert Demand.objects.get(pk=stranger.pk).requester_user is None
    assert Demand.objects.get(pk=owned.pk).requester_user == owner
    log = AuditLog.objects.get(action="demands.demand.claimed")
    assert log.data == {"demands": 2} and PHONE not in str(log.data)
    # A second sign-in claims nothing more (the account is not new).
    assert signin._account(PHONE).created is False
    assert AuditLog.objects.filter(action="demands.demand.claimed").count() == 1
