"""Background work of the demands module: the deadline sweep (reminders, escalation).

The embedded default needs no extra server: ``gongzhi run`` starts ``gongzhi sweep
--loop`` beside the web server. At scale the same entry point runs from cron, a systemd
timer or a Redis-backed worker (RQ, Celery beat): ``gongzhi.demands.tasks.sweep_task``
takes no arguments, so any scheduler can call it (see docs/demands.md).

Sweeps are safe to run concurrently: each flag is set by a conditional UPDATE (a demand
is reminded or escalated once per deadline, whoever gets there first), and a lock lets
only one sweep work at a time so two schedulers do not repeat each other's queries.
"""

import fcntl
import logging
import threading
import zlib
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from . import services

logger = logging.getLogger(__name__)
LOCK_NAME = "gongzhi.demands.sweep"
BATCH = 5000  # services.sweep handles up to this many demands of each kind per call


_local_lock = threading.Lock()  # advisory locks are reentrant within one session


@contextmanager
def sweep_lock():
    """True while this process holds the sweep lock, False when another sweep has it:
    a lock of this process (its threads) and, across processes, a PostgreSQL advisory
    lock (shared by every app server) or a file lock in the var directory (every
    process on this machine)."""
    if not _local_lock.acquire(blocking=False):
        yield False
        return
    try:
        with _process_lock() as acquired:
            yield acquired
    finally:
        _local_lock.release()


@contextmanager
def _process_lock():
    if connection.vendor == "postgresql":
        key = zlib.crc32(LOCK_NAME.encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            (acquired,) = cursor.fetchone()
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    path = Path(settings.VAR_DIR) / "demands-sweep.lock"
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_sweep(now: datetime | None = None) -> dict | None:
    """One complete sweep (repeated while a kind fills its batch); None when another
    sweep holds the lock."""
    with sweep_lock() as acquired:
        if not acquired:
            return None
        totals = {"reminded": 0, "overdue": 0, "accept_overdue": 0}
        while True:
            counts = services.sweep(now)
            for key, n in counts.items():
                totals[key] = totals.get(key, 0) + n
            if max(counts.values(), default=0) < BATCH:
                return totals


def sweep_task() -> dict | None:
    """The scheduler's entry point (cron, systemd timer, RQ/Celery): no arguments."""
    counts = run_sweep()
    logger.info("demands sweep: %s", counts if counts is not None else "skipped (locked)")
    return counts
