"""Notifications: an in-app inbox for users, and deliveries through the configured senders
(``GONGZHI_NOTIFICATION_SENDERS``: SMS, WeChat Work, e-mail, an intranet webhook; the
default only logs, phone masked) for people with an account or a phone. See
``core.senders``, ``core.deliveries`` and ADR 0010.

``notify(...)`` is called inside a service's transaction; the inbox rows and the
delivery log's rows are written together when the service returns (one INSERT each,
whoever the step tells) and the deliveries are sent after the commit, so a rolled-back
action never notifies anyone.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction

from .senders import LogSender, WebhookSender  # noqa: F401 (the dotted paths of older settings)
from .types import Actor


@dataclass
class _Batch:
    inbox: list[Any] = field(default_factory=list)  # core.models.Notification
    deliveries: list[Any] = field(default_factory=list)  # core.models.Delivery


# The rows of the transaction in progress, written in one INSERT a table when the service
# that opened it returns (``buffered``, which ``core.services.atomic`` opens): a step
# that tells the handlers and the requesters costs two statements, not two per person.
_pending: ContextVar[_Batch | None] = ContextVar("gongzhi_notifications", default=None)
_inbox_only: ContextVar[bool] = ContextVar("gongzhi_notifications_inbox_only", default=False)


@contextmanager
def buffered() -> Iterator[None]:
    """Collect the rows written inside the block and insert them together at its end; an
    inner block leaves them to the outer one, and a block left by an exception drops its
    own rows (its savepoint is rolled back too)."""
    outer = _pending.get()
    if outer is not None:
        marks = len(outer.inbox), len(outer.deliveries)
        try:
            yield
        except BaseException:
            del outer.inbox[marks[0] :]
            del outer.deliveries[marks[1] :]
            raise
        return
    batch = _Batch()
    token = _pending.set(batch)
    try:
        yield
        _write(batch)
    finally:
        _pending.reset(token)


@contextmanager
def inbox_only() -> Iterator[None]:
    """Notifications written inside the block go to the inbox and to no sender: demo data,
    whose phone numbers are made up and may be somebody's."""
    token = _inbox_only.set(True)
    try:
        yield
    finally:
        _inbox_only.reset(token)


def _write(batch: _Batch) -> None:
    from . import deliveries
    from .models import Delivery, Notification

    if batch.inbox:
        Notification.objects.bulk_create(batch.inbox)
    if batch.deliveries:
        Delivery.objects.bulk_create(batch.deliveries)
        # The ids come back from the INSERT (PostgreSQL, SQLite ≥ 3.35); a delivery
        # without one is sent by the periodic job instead.
        ids = [row.pk for row in batch.deliveries if row.pk is not None]
        transaction.on_commit(partial(deliveries.dispatch, ids), robust=True)


def notify(
    *,
    user: Actor | None = None,
    user_id: int | None = None,
    phone: str = "",
    title: str,
    body: str = "",
    link: str = "",
    kind: str = "",
) -> None:
    """Tell a person: in the app if they have an account (``user`` or its ``user_id``),
    and through each configured sender that can reach them (``phone`` for SMS, the
    account's phone, e-mail or WeCom account)."""
    from . import deliveries
    from .models import Notification

    if user is not None:
        user_id = user.pk
    batch = _Batch()
    if user_id is not None:
        batch.inbox.append(
            Notification(user_id=user_id, kind=kind, title=title[:200], body=body, link=link)
        )
    if not _inbox_only.get():
        batch.deliveries = deliveries.plan(
            user=user, user_id=user_id, phone=phone, title=title, body=body, link=link, kind=kind
        )
    pending = _pending.get()
    if pending is not None:
        pending.inbox += batch.inbox
        pending.deliveries += batch.deliveries
    else:
        _write(batch)


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


# --- Preferences: which channels carry which kind ----------------------------------------


@dataclass(frozen=True)
class Choice:
    channel: str
    label: str
    enabled: bool
    locked: bool  # a mandatory kind: always on


def preferences(user: Any) -> list[tuple[Any, list[Choice]]]:
    """For each kind the modules declare, the configured channels and whether the user
    receives it on each (one query)."""
    from . import modules
    from .models import Channel, NotificationPreference
    from .senders import configured

    labels = dict(Channel.choices)
    channels = list(configured())
    off = set(
        NotificationPreference.objects.filter(user_id=user.pk, enabled=False).values_list(
            "kind", "channel"
        )
    )
    return [
        (
            kind,
            [
                Choice(
                    c,
                    str(labels.get(c, c)),
                    kind.mandatory or (kind.key, c) not in off,
                    kind.mandatory,
                )
                for c in channels
            ],
        )
        for kind in modules.notification_kinds()
    ]
