"""A requester without an account hears about the demand by SMS (ADR 0010): each step
that tells the requester texts the contact phone after its commit, within the
per-number limits, and the handlers hear about a new dispatch in their inbox."""

from datetime import timedelta

import time_machine

from gongzhi.core.models import Delivery, DeliveryStatus, Notification
from gongzhi.core.tests.stubs import HttpStub
from gongzhi.demands import services

from .test_services import new, sh

START = sh(2026, 9, 30, 10, 0)


def test_a_requester_without_an_account_is_texted_at_each_step(
    world, demands, settings, django_capture_on_commit_callbacks
):
    staff, handler = world.users["staff"], world.users["unit_handler"]
    with HttpStub() as gateway:
        settings.GONGZHI_NOTIFICATION_SENDERS = ["gongzhi.core.senders.SmsSender"]
        settings.GONGZHI_SMS_GATEWAY, settings.GONGZHI_SMS_URL = "http", gateway.url + "/sms"
        with time_machine.travel(START, tick=False) as clock:
            with django_capture_on_commit_callbacks(execute=True):
                demand = new(world, requester_phone="13812345678")
            clock.move_to(START + timedelta(minutes=2))
            with django_capture_on_commit_callbacks(execute=True):
                demand = services.classify(
                    demand, actor=staff, version=demand.version, category=demands.hallway
                )
                demand = services.dispatch(demand, actor=staff, version=demand.version)
            clock.move_to(START + timedelta(minutes=4))
            with django_capture_on_commit_callbacks(execute=True):
                services.accept(demand, actor=handler, version=demand.version)
        texts = [seen.json() for seen in gateway.seen]
    assert {text["phone"] for text in texts} == {"13812345678"}
    assert all(text["content"].startswith(f"您的诉求（{demand.number}）") for text in texts)
    to_requester = Delivery.objects.filter(channel="sms", user=None)
    assert set(to_requester.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert len(texts) == to_requester.count() == 3  # recorded, dispatched, accepted
    assert set(to_requester.values_list("recipient", flat=True)) == {"138****5678"}
    # The handler has no phone on file: told in the inbox, the text skipped.
    assert Notification.objects.filter(user=handler).exists()
    assert set(
        Delivery.objects.filter(channel="sms", user=handler).values_list("status", flat=True)
    ) == {DeliveryStatus.SKIPPED}
