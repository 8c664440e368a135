"""The orphan sweep: files in storage that no attachment names.

``services.attach`` writes files before their rows and deletes them when the rows fail;
only a process killed between the two, or an enclosing transaction rolled back after
the files' own one, leaves a file without a row. Names carry the UTC day they were
written (``2026/06/15/…``), so the sweep lists only the last two whole days' folders,
once a day (when the last ``attachments.storage.swept`` record is a day old), half an
hour after a day has ended so that no upload of that day is still between its two steps.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from gongzhi.core import audit

from .models import Attachment
from .storage import day_prefix, storage

logger = logging.getLogger(__name__)
SWEEP_EVERY = timedelta(days=1)
GRACE = timedelta(minutes=30)
DAYS = 2
BATCH = 500


def run_due(now: datetime | None = None) -> dict:
    from gongzhi.core.models import AuditLog

    now = now or timezone.now()
    last = (
        AuditLog.objects.filter(action="attachments.storage.swept")
        .order_by("-id")
        .values_list("time", flat=True)
        .first()
    )
    if last is not None and now - last < SWEEP_EVERY:
        return {}
    removed = sweep_orphans(now)
    audit.log("attachments.storage.swept", data={"removed": removed})
    if removed:
        logger.info("attachments: %s orphaned files removed", removed)
    return {"orphans_removed": removed}


def sweep_orphans(now: datetime) -> int:
    files = storage()
    removed = 0
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for back in range(1, DAYS + 1):
        start = today - timedelta(days=back)
        if now - (start + timedelta(days=1)) < GRACE:
            continue  # the day ended moments ago: the next sweep takes it
        prefix = day_prefix(start)
        try:
            _dirs, names = files.listdir(prefix)
        except FileNotFoundError:
            continue
        paths = [f"{prefix}/{name}" for name in names]
        for i in range(0, len(paths), BATCH):
            batch = paths[i : i + BATCH]
            known = set()
            for blob, thumb in Attachment.objects.filter(
                Q(blob__in=batch) | Q(thumbnail__in=batch)
            ).values_list("blob", "thumbnail"):
                known |= {blob, thumb}
            for path in batch:
                if path not in known:
                    files.delete(path)
                    removed += 1
    return removed
