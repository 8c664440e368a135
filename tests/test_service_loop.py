"""The loop of issue 15 through the API: a grid worker visits a household and finds a need
→ a micro-wish from the visit → an in-service member claims it → fulfils it with a photo
and the hours it took → the household's word confirms it (satisfaction) → the hours are
in the member's ledger → the raters see them beside the three-level evaluation → the
employer's feedback report counts them. Each arrow is one call on what the last returned."""

import base64
import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from gongzhi.core.testing import api_key
from gongzhi.party.models import Member
from gongzhi.party.testing import build_party
from gongzhi.service import feedback
from gongzhi.service.tests.test_wishes import in_service

pytestmark = pytest.mark.django_db


def jpeg() -> str:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "olive").save(out, format="JPEG")
    return base64.b64encode(out.getvalue()).decode()


def test_the_loop_through_the_api(world, client):
    party = build_party(world)
    member, member_user = in_service(world, party, "赵志远", 41, "zzy")
    Member.objects.filter(pk=member.pk).update(household=world.ours.households[1])
    household = world.ours.households[0]
    today = timezone.localdate()

    def call(user, method, url, body=None):
        headers = {"Authorization": f"Bearer {api_key(user)}"}
        if method == "get":
            return client.get(url, headers=headers)
        return client.post(url, body or {}, content_type="application/json", headers=headers)

    worker, staff = world.users["grid_worker"], world.users["staff"]
    visit = call(
        worker,
        "post",
        "/api/v1/visits",
        {
            "household_id": household.pk,
            "visited_on": today.isoformat(),
            "kind": "elderly_alone",
            "found": "独居老人行动不便，希望有一台助行器",
        },
    )
    assert visit.status_code == 201, visit.content
    wish = call(
        worker,
        "post",
        f"/api/v1/service/wishes/from-visit/{visit.json()['id']}",
        {"title": "一台助行器", "wisher": "王建国", "detail": "出门需要助行器"},
    )
    assert wish.status_code == 201, wish.content
    wish = wish.json()
    assert call(worker, "get", f"/api/v1/visits/{visit.json()['id']}").json()["follow_up"] == "wish"

    claimed = call(
        member_user,
        "post",
        f"/api/v1/service/wishes/{wish['id']}/claim",
        {"version": wish["version"]},
    )
    assert claimed.status_code == 200, claimed.content
    fulfilled = call(
        member_user,
        "post",
        f"/api/v1/service/wishes/{wish['id']}/fulfil",
        {
            "version": claimed.json()["version"],
            "file_name": "walker.jpg",
            "photo": jpeg(),
            "note": "已送到老人家中",
            "hours": "2.5",
        },
    )
    assert fulfilled.status_code == 200, fulfilled.content
    ledger = call(member_user, "get", "/api/v1/service/volunteers/mine/ledger").json()
    assert (Decimal(ledger["counted"]), Decimal(ledger["pending"])) == (0, Decimal("2.5"))

    confirmed = call(
        staff,
        "post",
        f"/api/v1/service/wishes/{wish['id']}/confirm",
        {"version": fulfilled.json()["version"], "satisfaction": 5},
    )
    assert confirmed.status_code == 200, confirmed.content
    ledger = call(member_user, "get", "/api/v1/service/volunteers/mine/ledger").json()
    assert (Decimal(ledger["counted"]), Decimal(ledger["pending"])) == (Decimal("2.5"), 0)

    rated = call(
        worker,
        "post",
        "/api/v1/service/ratings",
        {
            "member_id": member.pk,
            "year": today.year,
            "level": "group",
            "grade": "excellent",
            "rated_on": today.isoformat(),
        },
    )
    assert rated.status_code == 201, rated.content
    record = feedback.figures([member.pk], today.year)[member.pk]
    assert (record.hours, record.wishes_claimed, record.wishes_fulfilled) == (Decimal("2.5"), 1, 1)
    assert record.grades == {"group": "excellent"}
    batch = call(
        staff if staff.has_perm("service.feedback_report") else world.users["secretary"],
        "post",
        "/api/v1/service/ratings/feedback",
        {"area_id": world.ours.community.pk, "year": today.year},
    )
    assert batch.status_code == 201, batch.content
    assert date.fromisoformat(ledger["lines"][0]["served_on"]) == today
