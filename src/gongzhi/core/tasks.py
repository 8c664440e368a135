"""The platform's periodic work: the audit log's checkpoints and its daily verification,
the removal of import results and export files whose time is up, and taking back the
batches of bulk writes whose process died (core.bulk.recover); and its background tasks.

Run by the worker (``gongzhi worker``, which ``gongzhi run`` starts beside the web
server, or cron / a systemd timer running ``gongzhi sweep``): ``run_due()`` does
each job whose interval has passed and nothing else, so calling it often is cheap. When
is a job due? The checkpoint file's last line says when the last checkpoint was
written; the audit log's last ``core.audit.verified`` record when the chain was last
verified. Both survive restarts and are the same for every process.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from . import audit, bulk, notifications, queue

logger = logging.getLogger(__name__)
VERIFY_EVERY = timedelta(days=1)
AUDITOR_PERM = "core.view_auditlog"


def run_due(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    done = {}
    from .exports import prune_jobs
    from .imports import prune_results

    if removed := prune_results():
        done["import_results_removed"] = removed
    if removed := prune_jobs(now):
        done["export_jobs_removed"] = removed
    stale = timedelta(seconds=settings.GONGZHI_BULK_WRITE_STALE_SECONDS)
    try:
        if undone := bulk.recover(stale_after=stale, now=now):
            done["bulk_writes_undone"] = len(undone)
    except Exception:  # logged; the other jobs still run, the next pass tries again
        logger.exception("taking back interrupted imports failed")
    if checkpoint_due(now):
        done["checkpoint"] = audit.write_checkpoint() is not None
    if verification_due(now):
        done["verified"] = verify_and_alert().intact
    if done:
        logger.info("periodic jobs: %s", done)
    return done


def checkpoint_due(now: datetime) -> bool:
    entries, _problems = audit.read_checkpoints()
    if not entries:
        return True
    last = datetime.fromisoformat(entries[-1]["time"])
    return now - last >= timedelta(seconds=settings.GONGZHI_AUDIT_CHECKPOINT_SECONDS)


def verification_due(now: datetime) -> bool:
    from .models import AuditLog

    last = (
        AuditLog.objects.filter(action="core.audit.verified")
        .order_by("-id")
        .values_list("time", flat=True)
        .first()
    )
    return last is None or now - last >= VERIFY_EVERY


def verify_and_alert() -> audit.Verification:
    """Verify the chain and the checkpoints; on a break, alert loudly: a critical log
    line, an audit record, and a notification to every security auditor and system
    administrator."""
    result = audit.verify()
    audit.log(
        "core.audit.verified",
        result=audit.SUCCESS if result.intact else audit.FAILURE,
        data={
            "checked": result.checked,
            "checkpoints": result.checkpoints,
            "problems": result.problems[:10],
        },
    )
    if not result.intact:
        logger.critical("audit log verification failed: %s", "; ".join(result.problems))
        for user in security_officers():
            notifications.notify(
                user=user,
                kind="core.security",
                title="审计日志校验未通过：可能已被篡改",
                body="；".join(result.problems[:10]),
                link="/audit/",
            )
    return result


def security_officers() -> list:
    """Every active security auditor and system administrator."""
    users = get_user_model().objects.filter(is_active=True)
    found = {u.pk: u for u in users.filter(is_superuser=True)}
    for user in users.exclude(role_assignments=None):
        if user.has_perm(AUDITOR_PERM):
            found.setdefault(user.pk, user)
    return list(found.values())


# --- Background tasks (core.queue) -------------------------------------------------------


@queue.task(retries=0)
def export_list(job_id: int) -> None:
    """A long list export (core.exports.run_job). Not retried: a failed job says so on
    its page and the user asks again."""
    from .exports import run_job

    run_job(job_id)


@queue.task(retries=0)
def send_delivery(delivery_id: int) -> None:
    """One notification delivery (core.deliveries): its retries are the delivery log's
    own (backoff per channel), run by the periodic job, not the queue's."""
    from .deliveries import send

    send(delivery_id)


@queue.task(retries=0)
def run_import(key: str, importer: str, user_id: int, partial: bool, filename: str) -> None:
    """A long import (core.imports.run_background). Not retried: a bulk write that died
    is taken back (core.bulk.recover) and the user imports again."""
    from .imports import run_background

    run_background(key, importer, user_id, partial, filename)
