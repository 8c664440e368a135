"""Each person chooses, per kind of message, the channels that carry it besides the
inbox; security alarms cannot be turned off."""

import json

import pytest
from django.urls import reverse

from gongzhi.core import deliveries, modules, services
from gongzhi.core.models import Delivery, DeliveryStatus, Notification, NotificationPreference
from gongzhi.core.notifications import notify
from gongzhi.core.testing import api_key

PROGRESS, SECURITY = "demands.progress", "core.security"


def _send(user, kind):
    notify(user=user, kind=kind, title=f"{kind} 消息", phone="13900000000")
    delivery = Delivery.objects.filter(kind=kind).latest("id")
    return deliveries.attempt(delivery.pk)


def test_every_declared_kind_is_on_the_page_and_alarms_are_locked(world, client_as):
    page = client_as(world.users["secretary"]).get(reverse("core:notification_preferences"))
    text = page.content.decode()
    for kind in modules.notification_kinds():
        assert str(kind.label) in text
    assert f'value="{SECURITY}|log" aria-label' in text
    security = text.split(f'value="{SECURITY}|log"')[1].split(">")[0]
    assert "disabled" in security and "checked" in security


def test_a_channel_turned_off_is_not_used_for_that_kind_only(world, client_as):
    user = world.users["secretary"]
    client = client_as(user)
    on = [f"{k.key}|log" for k in modules.notification_kinds() if k.key != PROGRESS]
    assert client.post(reverse("core:notification_preferences"), {"on": on}).status_code == 302
    assert _send(user, PROGRESS) == DeliveryStatus.MUTED
    assert _send(user, "demands.task") == DeliveryStatus.SENT
    # The inbox has both: only the other channels follow the choice.
    assert Notification.objects.filter(user=user).count() == 2


def test_an_alarm_goes_out_whatever_the_choice(world):
    user = world.users["auditor"]
    services.set_notification_preferences(actor=user, enabled=set())
    assert not NotificationPreference.objects.filter(kind=SECURITY).exists()
    assert _send(user, SECURITY) == DeliveryStatus.SENT
    assert _send(user, PROGRESS) == DeliveryStatus.MUTED


def test_a_message_of_no_kind_is_never_muted(world):
    user = world.users["secretary"]
    services.set_notification_preferences(actor=user, enabled=set())
    assert _send(user, "") == DeliveryStatus.SENT


def test_unknown_kinds_and_channels_are_refused(world):
    user = world.users["secretary"]
    with pytest.raises(services.RuleViolation):
        services.set_notification_preferences(actor=user, enabled={("no.such", "log")})
    with pytest.raises(services.RuleViolation):
        services.set_notification_preferences(actor=user, enabled={(PROGRESS, "pigeon")})
    assert not NotificationPreference.objects.exists()


def test_the_api_reads_and_sets_ones_own(world, client):
    user, other = world.users["secretary"], world.users["grid_worker"]
    headers = {"Authorization": f"Bearer {api_key(user, name='t')}"}
    url = "/api/v1/notifications/preferences"
    listed = client.get(url, headers=headers).json()
    assert {k["kind"] for k in listed} == {k.key for k in modules.notification_kinds()}
    body = json.dumps({"enabled": [{"kind": "demands.task", "channel": "log"}]})
    answer = client.put(url, body, content_type="application/json", headers=headers)
    assert answer.status_code == 200
    progress = next(k for k in answer.json() if k["kind"] == PROGRESS)
    assert progress["channels"][0]["enabled"] is False
    assert deliveries.muted(user.pk, PROGRESS, "log")
    assert not deliveries.muted(other.pk, PROGRESS, "log")
    bad = json.dumps({"enabled": [{"kind": "x", "channel": "log"}]})
    refused = client.put(url, bad, content_type="application/json", headers=headers)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "enabled"
