"""Probing is visible (outside security test, finding 9): refused lookups are counted per
user and minute, recorded without flooding the log, and a burst raises an alert."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.urls import reverse

from gongzhi.core.models import AuditLog, Notification, RefusedLookups
from gongzhi.core.testing import api_key

T0 = datetime(2026, 6, 15, 2, 0, 5, tzinfo=UTC)


def refusals(user):
    return AuditLog.objects.filter(action="core.lookup.refused", user_id=user.pk)


def test_walking_ids_outside_the_scope_is_counted_and_recorded_sparingly(world, client_as):
    staff = world.users["staff"]
    client = client_as(staff)
    sibling = world.sibling.households
    with time_machine.travel(T0, tick=False):
        for i in range(12):
            household = sibling[i % len(sibling)]
            response = client.get(reverse("areas:household_detail", args=[household.pk]))
            assert response.status_code == 404
        assert RefusedLookups.objects.get(user=staff).count == 12
        records = list(refusals(staff).order_by("id"))
    assert [r.data["count"] for r in records] == [1, 10]  # not one record a request
    first = records[0]
    assert first.result == "denied" and first.data["status"] == 404
    assert first.data["path"].startswith("/areas/households/")
    assert first.ip == "127.0.0.1"
    # The next minute starts a new count, and a new first record.
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        client.get(reverse("areas:household_detail", args=[sibling[0].pk]))
    assert refusals(staff).count() == len(records) + 1


def test_api_probes_through_a_token_are_counted_and_name_the_token(world, client):
    key = api_key(world.users["staff"])
    for household in world.sibling.households:
        response = client.get(
            f"/api/v1/households/{household.pk}", headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 404
    record = refusals(world.users["staff"]).get()
    assert record.channel.startswith("token:")


def test_a_burst_alerts_the_security_officers_once_an_hour(world, client_as, settings, caplog):
    settings.GONGZHI_PROBE_BURST = 5
    staff = world.users["staff"]
    client = client_as(staff)
    target = reverse("areas:household_detail", args=[world.sibling.households[0].pk])
    with time_machine.travel(T0, tick=False):
        for _ in range(6):
            client.get(target)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        for _ in range(6):
            client.get(target)  # a second burst within the hour: no second alert
    bursts = AuditLog.objects.filter(action="core.lookup.burst", user_id=staff.pk)
    assert bursts.count() == 1 and bursts.get().data["count"] == 5
    alert = Notification.objects.get(user=world.users["auditor"])
    assert "疑似越权探测" in alert.title and staff.username in alert.title
    assert any("burst of refused lookups" in r.getMessage() for r in caplog.records)


def test_found_pages_count_nothing(world, client_as):
    client = client_as(world.users["staff"])
    client.get(reverse("areas:household_detail", args=[world.ours.households[0].pk]))
    assert not RefusedLookups.objects.exists()
