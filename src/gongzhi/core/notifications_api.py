"""The user's own notifications over the API: the inbox and marking read."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from . import notifications, services
from .api import ERRORS, ErrorOut, Id, Pagination, Text

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class InboxFilters(Schema):
    unread: bool | None = None


class ReadIn(Schema):
    ids: list[Id] | None = None  # none given: every unread notification


class ReadOut(Schema):
    marked: int
    unread: int


@router.get("/", response={200: list[NotificationOut], ERRORS: ErrorOut})
@paginate(Pagination)
def inbox(request: HttpRequest, filters: Query[InboxFilters]) -> Any:
    """The user's notifications, newest first (``unread=true``: only the unread)."""
    rows = notifications.inbox(request.user)
    if filters.unread:
        rows = rows.filter(read_at__isnull=True)
    return rows


@router.post("/read", response={200: ReadOut, ERRORS: ErrorOut})
def mark_read(request: HttpRequest, payload: ReadIn) -> dict[str, int]:
    """Mark the given notifications of the user (or all unread) read; another person's
    ids are ignored."""
    user = request.user
    assert user.is_authenticated  # the API's auth lets no one else in
    marked = services.mark_notifications_read(actor=user, ids=payload.ids)
    return {"marked": marked, "unread": notifications.unread_count(user)}


class ChannelOut(Schema):
    channel: str
    label: str
    enabled: bool
    locked: bool


class KindOut(Schema):
    kind: str
    label: str
    description: str
    mandatory: bool
    channels: list[ChannelOut]


class PairIn(Schema):
    kind: Text(1, 50)  # type: ignore[valid-type]
    channel: Text(1, 20)  # type: ignore[valid-type]


class PreferencesIn(Schema):
    enabled: list[PairIn]  # every pair not listed is off (mandatory kinds stay on)


def _preferences(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": kind.key,
            "label": str(kind.label),
            "description": str(kind.description),
            "mandatory": kind.mandatory,
            "channels": [c.__dict__ for c in choices],
        }
        for kind, choices in notifications.preferences(user)
    ]


@router.get("/preferences", response={200: list[KindOut], ERRORS: ErrorOut})
def get_preferences(request: HttpRequest) -> list[dict[str, Any]]:
    """Per kind of message, the configured channels and whether the user gets it there
    (the inbox always does)."""
    return _preferences(request.user)


@router.put("/preferences", response={200: list[KindOut], ERRORS: ErrorOut})
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> list[dict[str, Any]]:
    """Set the channels per kind: the pairs listed are on, all others off."""
    user = request.user
    assert user.is_authenticated  # the API's auth lets no one else in
    services.set_notification_preferences(
        actor=user, enabled={(p.kind, p.channel) for p in payload.enabled}
    )
    return _preferences(user)
