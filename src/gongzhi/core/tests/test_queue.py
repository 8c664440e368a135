"""The task queue: tasks wait for their transaction, periodic jobs come from the
manifests, and a real worker process takes a task from the real queue (a SQLite file,
or Redis when CI configures it) and ends with the server that started it."""

import os
import sqlite3
import subprocess
import sys
import time

import pytest
from django.db import transaction
from huey.contrib.djhuey import HUEY

from gongzhi.core import modules, queue

done: list[int] = []


@queue.task()
def remember(value: int) -> None:
    done.append(value)


def test_a_task_waits_for_its_transaction_and_never_runs_for_a_rolled_back_one(
    flushable_audit_log,
):
    done.clear()
    with transaction.atomic():
        queue.after_commit(remember, 1)
        assert done == []  # not before the commit
    assert done == [1]
    with pytest.raises(RuntimeError), transaction.atomic():
        queue.after_commit(remember, 2)
        raise RuntimeError
    assert done == [1]


def test_every_manifests_periodic_job_is_scheduled():
    names = queue.register_periodic_jobs()
    assert names == sorted(f"periodic.{job.name}" for job in modules.periodic_jobs())
    assert "periodic.platform" in names
    assert queue.register_periodic_jobs() == names  # twice is harmless
    periodic = {t.__name__ for t in HUEY._registry._periodic_tasks}
    assert set(names) <= periodic
    for job in modules.periodic_jobs():
        assert 60 % job.minutes == 0, f"{job.name}: every {job.minutes} min is not a crontab step"


ENQUEUE = """
from django.db import transaction
from django.urls import reverse
from gongzhi.accounts.models import User
from gongzhi.core import queue, tasks
from gongzhi.core.models import ExportJob
user = User.objects.create_user("worker_test", is_superuser=True)
with transaction.atomic():
    job = ExportJob.objects.create(user=user, name="households", title="住户", fmt="csv",
                                   path=reverse("areas:household_list"))
    queue.after_commit(tasks.export_list, job.pk)
"""


@pytest.mark.slow
def test_the_worker_takes_a_task_from_the_queue_and_ends_with_its_server(tmp_path):
    env = {**os.environ, "GONGZHI_VAR_DIR": str(tmp_path), "GONGZHI_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)  # a database of its own, in the temporary directory
    env.pop("GONGZHI_TASKS_IMMEDIATE", None)
    gongzhi = [sys.executable, "-m", "gongzhi.cli"]
    subprocess.run([*gongzhi, "migrate", "-v0"], env=env, check=True, timeout=120)  # noqa: S603
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    # A stand-in for `gongzhi run`: a parent whose child is the worker.
    server = subprocess.Popen(  # noqa: S603
        ["/bin/sh", "-c", f"exec 3>&-; {' '.join(gongzhi)} worker --parent $$ & wait"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        subprocess.run([*gongzhi, "shell", "-c", ENQUEUE], env=env, check=True, timeout=60)  # noqa: S603
        database = sqlite3.connect(tmp_path / "gongzhi.sqlite3")
        deadline = time.monotonic() + 60
        status = file = None
        while time.monotonic() < deadline:
            status, file = database.execute("SELECT status, file FROM core_exportjob").fetchone()
            if status == "done":
                break
            time.sleep(0.2)
        assert status == "done", (tmp_path / "worker.log").read_text()
        assert (tmp_path / "exports" / file).read_text(encoding="utf-8-sig").startswith("编码")
        worker_pid = _child_of(server.pid)
        assert worker_pid is not None
    finally:
        server.kill()  # the server dies without a word: its worker must notice
        server.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _running(worker_pid):
        time.sleep(0.2)
    assert not _running(worker_pid), "the worker outlived its server"


def _child_of(pid: int) -> int | None:
    for _ in range(50):
        found = subprocess.run(  # noqa: S603
            ["/usr/bin/pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
        if found:
            return int(found[0])
        time.sleep(0.1)
    return None


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
