"""The append-only audit log: every service write, sign-in event, denial and full view.

``audit.log(action, actor=..., target=...)`` with namespaced action names
(``areas.area.created``), like pretix's ``LoggedModel.log_action``. Records are
hash-chained (like byro's log) so that `gongzhi audit_verify` detects tampering; the
database refuses UPDATE and DELETE on the table (migration triggers). Records are never
deleted by the application (docs/adr/0003-audit-log.md).

Every record carries an area path, which decides which auditor sees it: the target's,
else the actor's home area, else the root of the district the deployment serves
(``GONGZHI_DISTRICT_CODE``) for events that belong to no place, such as a failed sign-in
with an unknown account name or a system administrator's action.
"""

import hashlib
import json

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import context

SUCCESS, FAILURE, DENIED = "success", "failure", "denied"
_CHAIN_LOCK = 0x67_7A_61  # advisory lock id for the hash chain on PostgreSQL


def _canonical(record) -> str:
    return json.dumps(
        [
            record.time.isoformat(),
            record.user_id,
            record.username,
            record.role,
            record.action,
            record.result,
            record.target_type,
            record.target_id,
            record.target_repr,
            record.area_path,
            record.ip,
            record.data,
            record.prev_hash,
        ],
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )


def default_area_path() -> str:
    """The root of the deployment's district: where records that belong nowhere go."""
    return f"/{settings.GONGZHI_DISTRICT_CODE}/"


def compute_hash(record) -> str:
    return hashlib.sha256(_canonical(record).encode()).hexdigest()


def log(
    action: str,
    *,
    actor=None,
    target=None,
    result: str = SUCCESS,
    data=None,
    username: str = "",
    role: str = "",
    area_path: str = "",
):
    """Append one record. ``target`` is a model instance (or None); ``data`` a small dict
    that never holds personal information in clear text."""
    from .models import AuditLog

    ctx = context.current()
    if target is not None and not area_path:
        area_path = getattr(target, "scope_path", "") or ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        username = username or actor.get_username()
        role = role or getattr(actor, "role_summary", "")
        user_id = actor.pk
        if not area_path:
            area_path = actor.home_path or ""
    else:
        user_id = None
    area_path = area_path or default_area_path()
    record = AuditLog(
        time=timezone.now(),
        user_id=user_id,
        username=username[:150],
        role=role[:100],
        action=action,
        result=result,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        area_path=area_path,
        ip=ctx.ip or None,
        channel=ctx.channel,
        data=data or {},
    )
    # Part of the caller's transaction when there is one (a failed record fails it): no
    # savepoint of its own.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        last = AuditLog.objects.order_by("-id").values_list("hash", flat=True).first()
        record.prev_hash = last or ""
        record.hash = compute_hash(record)
        record.save(force_insert=True)
    return record


def verify_chain(batch: int = 5000) -> tuple[int, int | None]:
    """Walk the chain; return (records checked, id of the first broken record or None)."""
    from .models import AuditLog

    prev = ""
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditLog.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return checked, None
        for row in rows:
            if row.prev_hash != prev or compute_hash(row) != row.hash:
                return checked, row.id
            prev = row.hash
            checked += 1
        last_id = rows[-1].id
