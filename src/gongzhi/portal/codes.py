"""One-time sign-in codes sent by SMS (RULES.md "Resident portal", ADR 0016).

* A code is 6 digits, valid ``portal.code.valid_minutes``, single use; only the newest
  code of a number counts, and it dies after ``portal.code.max_wrong`` wrong tries.
* Requests are throttled per number (``per_minute``, ``per_hour``, ``per_day``) and per
  client address (``ip_per_minute``, ``ip_per_hour``), counted in the code table itself
  so that the limits hold across processes; the count and the insert are one
  transaction serialised per number (SQLite has one writer; PostgreSQL takes advisory
  locks on the number's and the address's hashes), so two requests in the same second
  send one code.
* ``portal.code.lock_after`` wrong codes within ``lock_window_minutes`` lock the number
  for ``lock_minutes``.
* Neither number nor code is stored, logged or put in a URL in clear: keyed hashes
  only. The answer to a request is the same whether the number has an account or not.
"""

import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import params, pii
from gongzhi.core.errors import RuleViolation
from gongzhi.core.senders import PHONE, DeliveryError, Outgoing, configured

from .models import SignInCode, SignInFailure

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_CODE = re.compile(r"^\d{6}$")
_LOCK_SPACE = 0x706F72  # advisory lock space on PostgreSQL ("por")


class Throttled(RuleViolation):
    """Too many codes asked for, or too many wrong ones: the API answers 429."""

    code = "throttled"
    status = 429
    default_message = gettext_lazy("请求过于频繁，请稍后再试。")


WRONG_CODE = gettext_lazy("验证码错误或已失效，请重新输入或重新获取。")


def normalize_mobile(raw: str) -> str:
    """An 11-digit mainland mobile number (spaces, dashes, full-width digits, +86 dropped)."""
    value = re.sub(r"[\s\-()（）]", "", pii.ascii_form(raw or ""))
    if value.startswith("+86"):
        value = value[3:]
    if not _MOBILE.match(value):
        raise RuleViolation(_("手机号应为11位数字，以1开头。"), field="phone")
    return value


def phone_hash(phone: str) -> str:
    return pii.lookup_hash("portal-phone:" + phone)


def _ip_hash(ip: str) -> str:
    return pii.lookup_hash("portal-ip:" + (ip or "-"))


def _code_hash(salt: str, code: str) -> str:
    return pii.lookup_hash(f"portal-code:{salt}:{code}")


def _serialise(*hashes: str) -> None:
    """Hold the per-number (and per-address) lock for the rest of the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for value in hashes:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, int(value[:7], 16)]
                )


def _minutes(seconds: float) -> int:
    return max(1, -(-int(seconds) // 60))


def locked_until(hashed: str, now: datetime) -> datetime | None:
    """When the number's lockout ends, if it is locked now."""
    after = params.value("portal.code.lock_after")
    window = timedelta(minutes=params.value("portal.code.lock_window_minutes"))
    lock = timedelta(minutes=params.value("portal.code.lock_minutes"))
    times = list(
        SignInFailure.objects.filter(phone_hash=hashed, created_at__gt=now - window - lock)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    ends = [
        times[i] + lock
        for i in range(after - 1, len(times))
        if times[i] - times[i - after + 1] <= window and times[i] + lock > now
    ]
    return max(ends) if ends else None


def _refuse_if_locked(hashed: str, now: datetime) -> None:
    until = locked_until(hashed, now)
    if until is not None:
        raise Throttled(
            _("验证码输错次数过多，该手机号已暂时锁定，请%(m)d分钟后再试。")
            % {"m": _minutes((until - now).total_seconds())},
            field="code",
        )


# The limits on code requests: per number, then per address, each (parameter, window).
LIMITS = (
    (
        "phone_hash",
        (
            ("portal.code.per_minute", timedelta(minutes=1)),
            ("portal.code.per_hour", timedelta(hours=1)),
            ("portal.code.per_day", timedelta(days=1)),
        ),
    ),
    (
        "ip_hash",
        (
            ("portal.code.ip_per_minute", timedelta(minutes=1)),
            ("portal.code.ip_per_hour", timedelta(hours=1)),
        ),
    ),
)


def _refuse_if_throttled(hashed: str, ip_hashed: str, now: datetime) -> None:
    """Refuse a request past any limit, saying how long to wait. One query counts a
    number's (an address's) codes in each of its windows; the wait is read only when
    refused."""
    for field, windows in LIMITS:
        value = hashed if field == "phone_hash" else ip_hashed
        mine = SignInCode.objects.filter(**{field: value})
        counts = mine.filter(created_at__gt=now - max(w for _k, w in windows)).aggregate(
            **{
                f"n{i}": Count("pk", filter=Q(created_at__gt=now - w))
                for i, (_k, w) in enumerate(windows)
            }
        )
        for i, (key, window) in enumerate(windows):
            limit = params.value(key)
            if counts[f"n{i}"] < limit:
                continue
            oldest = (
                mine.filter(created_at__gt=now - window)
                .order_by("-created_at")
                .values_list("created_at", flat=True)[limit - 1]
            )
            wait = (oldest + window - now).total_seconds()
            raise Throttled(
                _("获取验证码过于频繁，请%(m)d分钟后再试。") % {"m": _minutes(wait)},
                field="phone",
                wait_seconds=int(wait) + 1,
            )


def message_text(code: str) -> str:
    minutes = params.value("portal.code.valid_minutes")
    return _("【共治】您的登录验证码为%(code)s，%(m)d分钟内有效。请勿告诉他人。") % {
        "code": code,
        "m": minutes,
    }


def _send(row_id: int, phone: str, code: str) -> None:
    """Send the code through each configured sender that reaches a phone (the SMS
    gateway; the development log sender, which logs the text with the number masked).
    Not through the delivery log: it would keep the code in clear, and a code retried
    after its five minutes is of no use."""
    message = Outgoing(id=row_id, address=phone, title=message_text(code))
    for channel, sender in configured().items():
        if sender.address != PHONE:
            continue
        try:
            sender.send(message)
        except DeliveryError as exc:
            logger.warning("sign-in code #%s not sent by %s: %s", row_id, channel, exc.reason)


@dataclass(frozen=True)
class Sent:
    wait_seconds: int  # before another code may be asked for
    valid_minutes: int


def request_code(raw_phone: str, *, ip: str) -> Sent:
    """Send a new code to the number, unless a limit refuses (``Throttled``). The answer
    says nothing about whether the number has an account."""
    phone = normalize_mobile(raw_phone)
    hashed, ip_hashed = phone_hash(phone), _ip_hash(ip)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(8)
    with transaction.atomic():
        _serialise(hashed, ip_hashed)
        now = timezone.now()
        _refuse_if_locked(hashed, now)
        _refuse_if_throttled(hashed, ip_hashed, now)
        minutes = params.value("portal.code.valid_minutes")
        row = SignInCode.objects.create(
            phone_hash=hashed,
            ip_hash=ip_hashed,
            salt=salt,
            code_hash=_code_hash(salt, code),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
        transaction.on_commit(partial(_send, row.pk, phone, code))
    return Sent(wait_seconds=60 // params.value("portal.code.per_minute"), valid_minutes=minutes)


def check_code(raw_phone: str, raw_code: str) -> str:
    """The normalised number when ``raw_code`` is its newest live code (which is used up);
    else a refusal, the wrong try recorded (a code dies after ``max_wrong`` of them, the
    number is locked after ``lock_after`` within the window)."""
    phone = normalize_mobile(raw_phone)
    code = pii.ascii_form(raw_code or "").strip()
    if not _CODE.match(code):
        raise RuleViolation(_("验证码应为6位数字。"), field="code")
    hashed = phone_hash(phone)
    with transaction.atomic():
        _serialise(hashed)
        now = timezone.now()
        _refuse_if_locked(hashed, now)
        row = (
            SignInCode.objects.filter(phone_hash=hashed, created_at__gt=now - timedelta(days=1))
            .order_by("-created_at", "-id")
            .first()
        )
        live = (
            row is not None
            and row.used_at is None
            and row.expires_at > now
            and row.wrong_tries < params.value("portal.code.max_wrong")
        )
        if live and hmac.compare_digest(row.code_hash, _code_hash(row.salt, code)):
            SignInCode.objects.filter(pk=row.pk).update(used_at=now)
            return phone
        if live:
            SignInCode.objects.filter(pk=row.pk).update(wrong_tries=row.wrong_tries + 1)
        SignInFailure.objects.create(phone_hash=hashed, created_at=now)
    raise RuleViolation(WRONG_CODE, field="code")


def purge(now: datetime | None = None) -> dict[str, int]:
    """Forget codes and failures older than a day (longer than any window)."""
    cutoff = (now or timezone.now()) - timedelta(days=1, minutes=1)
    codes, _detail = SignInCode.objects.filter(created_at__lt=cutoff).delete()
    failures, _detail = SignInFailure.objects.filter(created_at__lt=cutoff).delete()
    return {"count": codes + failures}
