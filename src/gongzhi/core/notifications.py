"""Notifications: an in-app inbox for users, and pluggable senders for people reached by
phone or other channels (SMS, WeChat Work, webhook). The default sender only logs, with
the phone masked; production configures real senders in ``GONGZHI_NOTIFICATION_SENDERS``.

``notify(...)`` is called inside a service's transaction; the inbox rows are written
together when the service returns and delivery happens on commit, so a rolled-back
action never notifies anyone.
"""

import json
import logging
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from . import pii
from .types import Actor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    phone: str = ""
    link: str = ""


class Sender(Protocol):
    """What ``GONGZHI_NOTIFICATION_SENDERS`` names: a class whose instances send."""

    def send(self, message: Message) -> None: ...


class LogSender:
    """Development sender: writes the message to the log (phone masked)."""

    def send(self, message: Message) -> None:
        logger.info("notification to %s: %s", pii.mask_phone(message.phone) or "-", message.title)


class WebhookSender:
    """Posts the message as JSON to ``GONGZHI_WEBHOOK_URL`` (an intranet gateway that relays
    to SMS or WeChat Work). Failures are logged, never raised into the user's action."""

    def __init__(self, url: str | None = None, timeout: float = 5.0) -> None:
        configured: str = getattr(settings, "GONGZHI_WEBHOOK_URL", "")
        self.url = url or configured
        self.timeout = timeout

    def send(self, message: Message) -> None:
        if not self.url.startswith(("http://", "https://")):
            return
        data = json.dumps(message.__dict__, ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url, data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout):
                pass
        except OSError as exc:
            logger.warning("webhook notification failed: %s", exc)


@lru_cache(maxsize=1)
def senders() -> list[Sender]:
    return [import_string(path)() for path in settings.GONGZHI_NOTIFICATION_SENDERS]


# The inbox rows of the transaction in progress, written in one INSERT when the service
# that opened it returns (``buffered``, which ``core.services.atomic`` opens): a step
# that tells the handlers and the requesters costs one statement, not one per person.
_pending: ContextVar[list[Any] | None] = ContextVar("gongzhi_notifications", default=None)


@contextmanager
def buffered() -> Iterator[None]:
    """Collect the inbox rows written inside the block and insert them together at its
    end; an inner block leaves them to the outer one, and a block left by an exception
    drops its own rows (its savepoint is rolled back too)."""
    outer = _pending.get()
    if outer is not None:
        start = len(outer)
        try:
            yield
        except BaseException:
            del outer[start:]
            raise
        return
    rows: list[Any] = []
    token = _pending.set(rows)
    try:
        yield
        if rows:
            from .models import Notification

            Notification.objects.bulk_create(rows)
    finally:
        _pending.reset(token)


def notify(
    *,
    user: Actor | None = None,
    user_id: int | None = None,
    phone: str = "",
    title: str,
    body: str = "",
    link: str = "",
) -> None:
    """Tell a person: in the app if they have an account (``user`` or its ``user_id``),
    and through the senders."""
    from .models import Notification

    if user is not None:
        user_id = user.pk
    if user_id is not None:
        row = Notification(user_id=user_id, title=title[:200], body=body, link=link)
        pending = _pending.get()
        if pending is not None:
            pending.append(row)
        else:
            row.save()
    message = Message(title=title, body=body, phone=phone, link=link)

    def deliver() -> None:
        for sender in senders():
            try:
                sender.send(message)
            except Exception:  # a broken channel must not break the others
                logger.exception("notification sender %s failed", type(sender).__name__)

    transaction.on_commit(deliver)


# --- Reading: the inbox ------------------------------------------------------------------


def inbox(user: Any) -> Any:
    """The user's own notifications, newest first (nobody reads another's)."""
    from .models import Notification

    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    """Unread notifications of the user (the bell's number): one indexed count."""
    return inbox(user).filter(read_at__isnull=True).count()
