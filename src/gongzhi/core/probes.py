"""Probing made visible: lookups that find nothing, counted per user and minute.

Scope answers "missing" and "forbidden" alike (404), so a user walking ids outside
their part of the tree gets nothing — and, until this module, left nothing in the
audit log either: 460 such requests of an outside test left 40 records. Now every 404
and 403 a signed-in user receives is counted in ``RefusedLookups`` (one row a user and
minute, incremented in the database so every process counts together). The first
refusal of a minute, and the 10th, 100th and 1000th, write a ``core.lookup.refused``
record with the count and the path (never the query string); ``GONGZHI_PROBE_BURST``
refusals within one minute raise an alert — a warning in the log, a
``core.lookup.burst`` record and a notification to the security officers — at most once
an hour for one user.
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import audit
from .types import Actor

logger = logging.getLogger(__name__)
RECORDED_COUNTS = frozenset({1, 10, 100, 1000})


def record(user: Actor, *, path: str, status: int) -> int:
    """Count one refused lookup of ``user``; return the count of this minute."""
    from .models import RefusedLookups

    minute = timezone.now().replace(second=0, microsecond=0)
    rows = RefusedLookups.objects.filter(user_id=user.pk, minute=minute)
    with transaction.atomic():
        if not rows.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RefusedLookups.objects.create(user_id=user.pk, minute=minute, count=1)
            except IntegrityError:  # another process created it at the same moment
                rows.update(count=F("count") + 1)
        count = rows.values_list("count", flat=True).get()
        data = {"count": count, "status": status, "path": path[:200], "minute": minute.isoformat()}
        if count in RECORDED_COUNTS:
            audit.log("core.lookup.refused", actor=user, result=audit.DENIED, data=data)
        if count == settings.GONGZHI_PROBE_BURST:
            _alert(user, data)
    return count


def _alert(user: Actor, data: dict[str, Any]) -> None:
    from .models import AuditLog
    from .tasks import security_officers

    since = timezone.now() - timedelta(hours=1)
    if AuditLog.objects.filter(action="core.lookup.burst", user_id=user.pk, time__gte=since):
        return
    logger.warning("burst of refused lookups by user %s: %s in a minute", user.pk, data["count"])
    audit.log("core.lookup.burst", actor=user, result=audit.DENIED, data=data)
    from .notifications import notify

    for officer in security_officers():
        notify(
            user=officer,
            kind="core.security",
            title=f"疑似越权探测：{user.get_username()} 一分钟内 {data['count']} 次访问不存在或无权访问的对象",
            body=f"最近访问：{data['path']}",
            link="/audit/?action=core.lookup.refused",
        )
