"""The delivery log: what each notification owes each channel, sent and retried (ADR 0010).

``notify()`` (core.notifications) plans one :class:`~gongzhi.core.models.Delivery` per
configured sender that can reach the person (:func:`plan`); they are inserted with the
inbox rows in the action's transaction, and after its commit :func:`dispatch` sends them.

* **Claiming.** A delivery is sent by whoever moves it from ``pending`` to ``sending``
  with a conditional UPDATE, so two runners (two workers, the periodic job and a
  queued task) never send it twice. A process that dies while sending leaves it
  ``sending``; after :data:`STALE` the periodic job makes it due again (it may have gone
  out: delivery is at least once, and the id tells a gateway it has had it).
* **Retries.** A failure that may pass (a timeout, a refused connection, HTTP 5xx, the
  provider's throttling) is tried again after :data:`BACKOFF` (1 min, 5 min, 30 min,
  2 h: five attempts), then given up; a permanent one (HTTP 4xx, an invalid number)
  fails at once. The delays are the earliest times: the worker's periodic job
  (``gongzhi worker``) runs every minute.
* **SMS rate limits per phone** (parameters ``core.sms.per_minute``, ``per_hour``,
  ``per_day``; rolling windows) are counted in the log itself — texts sent or being sent
  to the phone's keyed hash — so they hold across processes. The count and the claim
  are one transaction, serialised per phone (SQLite has one writer; PostgreSQL takes an
  advisory lock on the phone's hash). Over the minute's limit a text waits until the
  minute has passed; over the hour's or the day's it is refused (``refused``, with the
  rule): the person still has the message in the inbox, or at the desk.
* **No address in clear.** The address is encrypted while the delivery may still be
  sent and dropped once it is final; the log keeps its keyed hash and a masked form.
"""

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import pii
from .models import Channel, Delivery
from .models import DeliveryStatus as S
from .senders import EMAIL, PHONE, WECOM, DeliveryError, Outgoing, Sender, configured
from .types import Actor

logger = logging.getLogger(__name__)

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
STALE = timedelta(minutes=10)  # far longer than any sender's timeout
BATCH = 500  # deliveries a periodic run attempts, at most
SMS_LIMITS = (
    ("core.sms.per_minute", timedelta(minutes=1)),
    ("core.sms.per_hour", timedelta(hours=1)),
    ("core.sms.per_day", timedelta(days=1)),
)
_PHONE_LOCK = 0x736D73  # advisory lock space of the per-phone limits on PostgreSQL ("sms")

# Where a person's address of each kind is on their account (accounts.User).
USER_FIELDS = {PHONE: "phone", EMAIL: "email", WECOM: "wecom_userid"}


# --- Planning (inside the action's transaction) -------------------------------------------


def normalized(kind: str, address: str) -> str:
    """The address as sent and hashed: one phone number, one hash (spaces, dashes and
    full-width digits dropped, no +86); e-mail addresses in lower case."""
    address = pii.ascii_form(address).strip()
    if kind == PHONE:
        address = "".join(c for c in address if c not in " -()（）")
        return address[3:] if address.startswith("+86") else address
    return address.lower() if kind == EMAIL else address


def masked(kind: str, address: str) -> str:
    if kind == PHONE:
        return pii.mask_phone(address)
    if kind == EMAIL:
        return pii.mask_email(address)
    return address[:100]  # a WeCom user id: an account name, shown like one


def address_fields(kind: str, address: str) -> dict[str, str]:
    """The stored form of an address: encrypted, its keyed hash, masked."""
    address = normalized(kind, address)
    if not address:
        return {}
    return {
        "address_enc": pii.encrypt(address),
        "address_hash": pii.lookup_hash(address),
        "recipient": masked(kind, address),
    }


def plan(
    *,
    user: Actor | None,
    user_id: int | None,
    phone: str,
    title: str,
    body: str,
    link: str,
    kind: str = "",
) -> list[Delivery]:
    """The unsaved deliveries of one notification: one per configured sender that can
    reach the person. An address the caller gave (``phone``, the ``user``'s fields) is
    stored now; a person named by ``user_id`` only has theirs read when the delivery is
    sent, so that the action's transaction costs no query for it (ADR 0010)."""
    now = timezone.now()
    try:
        channels = configured()
    except Exception:  # a misconfigured sender must not break the action: inbox only
        logger.exception("GONGZHI_NOTIFICATION_SENDERS cannot be loaded (gongzhi check)")
        return []
    rows = []
    for channel, sender in channels.items():
        address = ""
        if sender.address == PHONE and phone:
            address = phone
        elif user is not None:
            address = str(getattr(user, USER_FIELDS[sender.address], "") or "")
        fields = address_fields(sender.address, address)
        if not fields and sender.address_required and (user is not None or user_id is None):
            continue  # known now: nothing to send this person on this channel
        rows.append(
            Delivery(
                channel=channel,
                kind=kind,
                user_id=user_id,
                title=title[:200],
                body=body,
                link=link[:200],
                next_attempt_at=now,
                created_at=now,
                **fields,
            )
        )
    return rows


# --- Sending (after the commit) ------------------------------------------------------------


def dispatch(ids: Iterable[int]) -> None:
    """Hand new deliveries to the worker (one task each: core.tasks.send_delivery), after
    the commit of the action that wrote them. Never raises into the user's action: a
    delivery the queue did not take is still ``pending`` and the periodic job sends it."""
    from . import tasks

    for delivery_id in ids:
        try:
            tasks.send_delivery(delivery_id)
        except Exception:  # the queue unreachable: the periodic job will find it
            logger.exception("delivery #%s could not be queued", delivery_id)


def send(delivery_id: int) -> None:
    """Attempt one delivery (the task's body): never raises, its outcome is in the log."""
    try:
        attempt(delivery_id)
    except Exception:  # a broken channel must not break the worker or the others
        logger.exception("delivery #%s could not be attempted", delivery_id)


@dataclass(frozen=True)
class _Claimed:
    delivery: Delivery
    sender: Sender
    message: Outgoing


def attempt(delivery_id: int) -> str | None:
    """Send one delivery if it is due and no one else holds it. Returns its status
    afterwards (``pending``: to be tried again), or None when it was not taken."""
    claimed = _claim(delivery_id, timezone.now())
    if not isinstance(claimed, _Claimed):
        return claimed
    delivery, sender = claimed.delivery, claimed.sender
    try:
        provider_id = sender.send(claimed.message)
    except DeliveryError as exc:
        return _failed(delivery, exc)
    except Exception as exc:  # a sender's bug: in the log, never raised into the caller
        logger.exception("sender of channel %s raised", delivery.channel)
        return _failed(
            delivery, DeliveryError(False, _("发送程序出错：%(e)s") % {"e": type(exc).__name__})
        )
    _finish(delivery, S.SENT, provider_id=provider_id, sent_at=timezone.now())
    logger.debug(  # the delivery log has it; failures are warnings
        "delivery #%s sent: %s to %s", delivery.pk, delivery.channel, delivery.recipient or "-"
    )
    return S.SENT


def _claim(delivery_id: int, now: datetime) -> "_Claimed | str | None":
    """Take the delivery (one transaction: the claim, the address, the rate limit); its
    final status when it ends here, None when it is not due or someone else has it."""
    with transaction.atomic():
        return _take(delivery_id, now)


def _take(delivery_id: int, now: datetime) -> "_Claimed | str | None":
    taken = Delivery.objects.filter(
        pk=delivery_id, status=S.PENDING, next_attempt_at__lte=now
    ).update(status=S.SENDING, attempts=F("attempts") + 1, attempted_at=now)
    if not taken:
        return None
    delivery = Delivery.objects.get(pk=delivery_id)
    sender = configured().get(delivery.channel)
    if sender is None:
        return _finish(delivery, S.FAILED, _("该渠道已不在配置中"))
    if delivery.user_id is not None and muted(delivery.user_id, delivery.kind, delivery.channel):
        return _finish(delivery, S.MUTED, _("收件人已关闭此类通知的该渠道"))
    address = pii.decrypt(delivery.address_enc) if delivery.address_enc else ""
    if delivery.address_enc and not address:
        return _finish(delivery, S.FAILED, _("接收地址无法解密（密钥已更换）"))
    if not address and delivery.user_id is not None:
        address = _account_address(delivery, sender.address)
    if not address and sender.address_required:
        return _finish(delivery, S.SKIPPED, _("该用户没有此渠道的接收地址"))
    if delivery.channel == Channel.SMS:
        over = _over_limit(delivery, address, now)
        if over is not None:
            reason, wait_until = over
            if wait_until is None:
                return _finish(delivery, S.REFUSED, reason)
            Delivery.objects.filter(pk=delivery.pk).update(
                status=S.PENDING,
                attempts=F("attempts") - 1,  # waiting is not an attempt
                next_attempt_at=wait_until,
                last_error=reason[:200],
            )
            return S.PENDING
    message = Outgoing(
        id=delivery.pk,
        address=address,
        title=delivery.title,
        body=delivery.body,
        link=delivery.link,
        user_id=delivery.user_id,
    )
    return _Claimed(delivery, sender, message)


def muted(user_id: int, kind: str, channel: str) -> bool:
    """Whether the person turned this channel off for this kind (never for a mandatory
    kind, nor for a message without a kind)."""
    from . import modules
    from .models import NotificationPreference

    if not kind or any(k.key == kind and k.mandatory for k in modules.notification_kinds()):
        return False
    return NotificationPreference.objects.filter(
        user_id=user_id, kind=kind, channel=channel, enabled=False
    ).exists()


def _account_address(delivery: Delivery, kind: str) -> str:
    """The address of the delivery's user (an active account) for ``kind``, stored on the
    delivery (encrypted, hashed, masked) so that the rate limits can count it."""
    found = (
        get_user_model()
        .objects.filter(pk=delivery.user_id, is_active=True)
        .values_list(USER_FIELDS[kind], flat=True)
        .first()
    )
    fields = address_fields(kind, str(found or ""))
    if not fields:
        return ""
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
    for name, value in fields.items():
        setattr(delivery, name, value)
    return normalized(kind, str(found))


def _over_limit(
    delivery: Delivery, phone: str, now: datetime
) -> tuple[str, datetime | None] | None:
    """None when ``phone`` may have one more text now; else the rule it would break and
    when the text may go (None: refused, not delayed)."""
    from . import params

    if connection.vendor == "postgresql":  # the count below sees the other claims' rows
        with connection.cursor() as cursor:
            lock = int(pii.lookup_hash(phone)[:7], 16)
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_PHONE_LOCK, lock])
    longest = max(window for _key, window in SMS_LIMITS)
    times: list[datetime] = sorted(
        t
        for t in Delivery.objects.filter(
            channel=Channel.SMS,
            address_hash__in=pii.lookup_hashes(phone),
            status__in=(S.SENDING, S.SENT),
            attempted_at__gt=now - longest,
        )
        .exclude(pk=delivery.pk)
        .values_list("attempted_at", flat=True)
        if t is not None
    )
    wait: tuple[str, datetime | None] | None = None
    for key, window in SMS_LIMITS:
        limit = int(params.value(key, timezone.localdate(now)))
        inside = [t for t in times if t > now - window]
        if len(inside) < limit:
            continue
        reason = _("超出频率限制：%(rule)s（%(n)s条）") % {
            "rule": params.registry()[key].label,
            "n": limit,
        }
        if window > SMS_LIMITS[0][1]:
            return reason, None
        # The earliest moment with fewer than ``limit`` texts in the window.
        wait = reason, inside[len(inside) - limit] + window
    return wait


def _failed(delivery: Delivery, exc: DeliveryError) -> str:
    attempts = delivery.attempts
    if exc.retryable and attempts < MAX_ATTEMPTS:
        retry_at = timezone.now() + BACKOFF[attempts - 1]
        Delivery.objects.filter(pk=delivery.pk, status=S.SENDING).update(
            status=S.PENDING, next_attempt_at=retry_at, last_error=exc.reason
        )
        logger.warning(
            "delivery #%s (%s to %s) failed, attempt %s, again at %s: %s",
            delivery.pk,
            delivery.channel,
            delivery.recipient or "-",
            attempts,
            retry_at.isoformat(timespec="seconds"),
            exc.reason,
        )
        return S.PENDING
    status = S.GIVEN_UP if exc.retryable else S.FAILED
    logger.warning(
        "delivery #%s (%s to %s) %s after %s attempt(s): %s",
        delivery.pk,
        delivery.channel,
        delivery.recipient or "-",
        status,
        attempts,
        exc.reason,
    )
    _finish(delivery, status, exc.reason)
    return status


def _finish(
    delivery: Delivery,
    status: str,
    reason: str = "",
    *,
    provider_id: str = "",
    sent_at: datetime | None = None,
) -> str:
    """A final status; the encrypted address goes (the hash and masked form stay). A sent
    delivery keeps the error of its last failed attempt, if any."""
    changes: dict[str, Any] = {"status": status, "next_attempt_at": None, "address_enc": ""}
    if reason:
        changes["last_error"] = reason[:200]
    if provider_id:
        changes["provider_id"] = provider_id[:100]
    if sent_at is not None:
        changes["sent_at"] = sent_at
    Delivery.objects.filter(pk=delivery.pk, status=S.SENDING).update(**changes)
    return status


# --- The periodic job ---------------------------------------------------------------------


def run_due() -> dict[str, int]:
    """Send the deliveries that are due (new ones a dispatch missed, retries, texts that
    waited for the rate limit), after making due again those whose sender died. Safe to
    run in several processes at once: each delivery is claimed by one."""
    now = timezone.now()
    interrupted = _recover_interrupted(now)
    pruned = prune(now)
    due = list(
        Delivery.objects.filter(status=S.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    outcomes: Counter[str | None] = Counter()
    for delivery_id in due:
        try:
            outcomes[attempt(delivery_id)] += 1
        except Exception:  # the database went away mid-run: the next run goes on
            logger.exception("delivery #%s could not be attempted", delivery_id)
    done = {
        "sent": outcomes[S.SENT],
        "again": outcomes[S.PENDING],
        "failed": outcomes[S.FAILED] + outcomes[S.GIVEN_UP],
        "not_sent": outcomes[S.REFUSED] + outcomes[S.SKIPPED],
        "interrupted": interrupted,
        "pruned": pruned,
    }
    if any(done.values()):
        logger.info("deliveries: %s", done)
    return done


def prune(now: datetime) -> int:
    """Delete the finished deliveries older than GONGZHI_DELIVERY_KEEP_DAYS: the log keeps
    no more of who was told what than its purpose (delivery and its problems) needs."""
    from django.conf import settings

    cutoff = now - timedelta(days=settings.GONGZHI_DELIVERY_KEEP_DAYS)
    removed, _kinds = (
        Delivery.objects.filter(created_at__lt=cutoff)
        .exclude(status__in=[S.PENDING, S.SENDING])
        .delete()
    )
    return removed


def _recover_interrupted(now: datetime) -> int:
    """Deliveries left ``sending`` by a process that died: due again, or given up when
    that was their last attempt."""
    stuck = Delivery.objects.filter(status=S.SENDING, attempted_at__lt=now - STALE)
    reason = _("发送中断（进程退出）")
    given_up = stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=S.GIVEN_UP, last_error=reason, next_attempt_at=None, address_enc=""
    )
    again = stuck.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=S.PENDING, last_error=reason, next_attempt_at=now
    )
    if given_up or again:
        logger.warning(
            "deliveries interrupted while sending: %s again, %s given up", again, given_up
        )
    return given_up + again
