"""The inbox every user reads: the bell's unread count on every page, the list, opening
one (read, then its object), marking all read; nobody else's, and never an open
redirect."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.core.models import Notification
from gongzhi.core.notifications import notify


@pytest.fixture
def secretary(world, client_as):
    return client_as(world.users["secretary"])


def _tell(user, n=1, link="/demands/"):
    for i in range(n):
        notify(user=user, title=f"诉求已派单 {i}", body="请在时限内办理。", link=link)


def test_the_bell_counts_the_unread_on_every_page(world, secretary):
    assert "通知：0 条未读" in secretary.get(reverse("core:workbench")).content.decode()
    _tell(world.users["secretary"], 3)
    _tell(world.users["grid_worker"], 2)  # someone else's
    page = secretary.get(reverse("core:workbench")).content.decode()
    assert "通知：3 条未读" in page
    _tell(world.users["secretary"], 100)
    assert "99+" in secretary.get(reverse("areas:household_list")).content.decode()


def test_the_bell_costs_one_query_whatever_the_number(world, secretary):
    url = reverse("core:workbench")
    secretary.get(url)
    with CaptureQueriesContext(connection) as few:
        secretary.get(url)
    _tell(world.users["secretary"], 50)
    with CaptureQueriesContext(connection) as many:
        secretary.get(url)
    assert len(many) == len(few)


def test_opening_marks_read_and_goes_to_the_object(world, secretary):
    _tell(world.users["secretary"], 2)
    first, second = Notification.objects.filter(user=world.users["secretary"]).order_by("id")
    listed = secretary.get(reverse("core:notification_list") + "?unread=1").content.decode()
    assert first.title in listed and second.title in listed
    response = secretary.post(reverse("core:notification_open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == "/demands/"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    listed = secretary.get(reverse("core:notification_list") + "?unread=1").content.decode()
    assert first.title not in listed and second.title in listed
    secretary.post(reverse("core:notification_read_all"))
    assert not Notification.objects.filter(user=world.users["secretary"], read_at=None).exists()


def test_nobody_opens_anothers_notification(world, secretary):
    _tell(world.users["grid_worker"])
    theirs = Notification.objects.get()
    assert secretary.post(reverse("core:notification_open", args=[theirs.pk])).status_code == 404
    secretary.post(reverse("core:notification_read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert theirs.title not in secretary.get(reverse("core:notification_list")).content.decode()


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_a_link_leaving_the_site_is_not_followed(world, secretary, link):
    _tell(world.users["secretary"], link=link)
    notification = Notification.objects.get()
    response = secretary.post(reverse("core:notification_open", args=[notification.pk]))
    assert response["Location"] == reverse("core:notification_list")


def test_titles_are_escaped(world, secretary):
    notify(user=world.users["secretary"], title="<script>alert(1)</script>", body="<b>x</b>")
    page = secretary.get(reverse("core:notification_list")).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_the_api_reads_and_marks_only_ones_own(world, client):
    import json

    from gongzhi.core.testing import api_key

    _tell(world.users["secretary"], 3)
    _tell(world.users["grid_worker"], 1)
    theirs = Notification.objects.get(user=world.users["grid_worker"])
    headers = {"Authorization": f"Bearer {api_key(world.users['secretary'], name='t')}"}
    listed = client.get("/api/v1/notifications/?unread=true", headers=headers).json()
    assert listed["count"] == 3 and all(n["read_at"] is None for n in listed["items"])
    first = listed["items"][0]["id"]
    body = json.dumps({"ids": [first, theirs.pk]})
    answer = client.post(
        "/api/v1/notifications/read", body, content_type="application/json", headers=headers
    ).json()
    assert answer == {"marked": 1, "unread": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None
