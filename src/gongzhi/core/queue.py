"""Background tasks (ADR 0009): huey, with its queue where the data is (a SQLite file
beside the database, tables in the PostgreSQL database, or Redis), run by
``gongzhi worker`` (which ``gongzhi run`` starts beside the web server).

A task takes primary keys and plain values, never model instances, and is idempotent:
a retry, or a second worker, must find the work done and do nothing. A request enqueues
with ``after_commit``, so a task never runs for a transaction that was rolled back and
always finds the rows its caller wrote. The modules' periodic jobs (their manifests'
``periodic``) become huey periodic tasks in the worker.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from huey import crontab
from huey.api import TaskWrapper
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from . import modules

logger = logging.getLogger(__name__)

# A failed task runs again after 30 s, 60 s, 120 s, then is given up (and logged).
RETRIES, RETRY_DELAY, RETRY_BACKOFF = 3, 30, 2.0


def task(
    name: str | None = None,
    *,
    retries: int = RETRIES,
    retry_delay: int = RETRY_DELAY,
    retry_backoff: float = RETRY_BACKOFF,
) -> Callable[[Callable[..., Any]], TaskWrapper]:
    """Declare a background task (its database connection closed around each run)."""
    return db_task(name=name, retries=retries, retry_delay=retry_delay, retry_backoff=retry_backoff)


def after_commit(task: TaskWrapper, *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task(*args, **kwargs)`` once the caller's transaction commits (at once
    outside a transaction; never when it is rolled back)."""
    transaction.on_commit(lambda: task(*args, **kwargs))


def create_tables(**_kwargs: Any) -> None:
    """The queue's own tables (SQLite file or PostgreSQL), made by ``gongzhi migrate``."""
    if HUEY.immediate:
        return
    initialize = getattr(HUEY.storage, "initialize_schema", None)
    if initialize is not None:
        initialize()


_registered: set[str] = set()


def register_periodic_jobs() -> list[str]:
    """Every manifest's periodic job as a huey periodic task, every ``job.minutes``."""
    for job in modules.periodic_jobs():
        name = f"periodic.{job.name}"
        if name in _registered:
            continue
        db_periodic_task(crontab(minute=f"*/{job.minutes}"), name=name)(_runner(job))
        _registered.add(name)
    return sorted(_registered)


def _runner(job: modules.Periodic) -> Callable[[], None]:
    def run() -> None:
        result = modules.run(job)()
        if job.report:
            line = job.skipped if result is None else str(job.report).format(**result)
            logger.info("%s: %s", job.name, line)

    run.__name__ = f"periodic_{job.name}"
    return run
