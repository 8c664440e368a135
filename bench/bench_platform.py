"""Platform services at district scale: the task queue, notifications, long exports and
the caches every process shares (issue "Platform services").

    .venv/bin/python bench/bench_platform.py [--notifications 10000] [--export-rows 100000]
    DATABASE_URL=postgres://… .venv/bin/python bench/bench_platform.py   # (run_all.py --pg)

On the bench district, with the queue of the deployment's kind (SQLite: huey's file beside
the database; PostgreSQL: huey's tables in it; Redis when GONGZHI_REDIS_URL is set) and a
real ``gongzhi worker`` process, as ``gongzhi run`` starts it:

* enqueue — the cost a request pays to hand a task to the queue (p95 of 1,000 enqueues
  into the real storage, nothing consuming meanwhile);
* notifications — 10,000 notifications (inbox row and one delivery each through the dev
  sender, ``LogSender``), written by actions in batches, each delivery a task: the time
  from the worker's start until all 10,000 deliveries are ``sent``;
* export — the residents of one street (the run of whole communities nearest 100,000
  rows) exported as a district administrator: the time from the request (which records
  the job and answers with its page) until the worker has written the file; and the
  request alone, p95 of 20 more (their jobs withdrawn before the worker takes them);
* coherence — another process, already holding its copy of the rule parameters, serves
  its next request after a change was committed here: does it use the new value?

Everything this script writes (users' notifications and deliveries, the export job and its
file, the parameter value) is removed at the end.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import common

TARGETS = {
    "enqueue_p95_ms": 2.0,
    "notifications_seconds": 60.0,
    "export_request_p95_ms": 200.0,
    "export_ready_seconds": 20.0,
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--enqueues", type=int, default=1000)
    parser.add_argument("--export-requests", type=int, default=20)
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- The worker --------------------------------------------------------------------------


def start_worker() -> subprocess.Popen:
    """``gongzhi worker`` on the bench database, as `gongzhi run` starts it (its parent is
    this process)."""
    env = {**os.environ, "GONGZHI_LOG_LEVEL": "WARNING"}
    log = open(common.bench_var_dir() / "bench-worker.log", "wb")  # noqa: SIM115
    return subprocess.Popen(  # noqa: S603 (our own interpreter and command)
        # The modules' periodic jobs (the demands' sweep over a million cases, the audit
        # chain's daily check) are timed by their own scripts, not beside these figures.
        [
            sys.executable,
            "-m",
            "gongzhi.cli",
            "worker",
            "--no-periodic",
            "--parent",
            str(os.getpid()),
        ],  # fmt: skip
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def wait_for(condition, timeout: float, step: float = 0.25) -> float | None:
    """Seconds until ``condition()`` held, or None when ``timeout`` passed first."""
    from django.db import close_old_connections

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        close_old_connections()
        if condition():
            return time.perf_counter() - started
        time.sleep(step)
    return None


# --- Enqueue ---------------------------------------------------------------------------------


def measure_enqueue(args) -> dict:
    from huey.contrib.djhuey import HUEY

    from gongzhi.core import tasks

    HUEY.flush()
    samples = []
    for _ in range(args.enqueues):
        with common.Timer() as t:
            tasks.send_delivery(0)  # a delivery id that names nothing: a no-op when run
        samples.append(t.seconds)
    pending = HUEY.pending_count()
    HUEY.flush()  # nothing of this part is left for the worker
    return {**common.summary_ms(samples), "queued": pending, "storage": type(HUEY).__name__}


# --- Notifications ---------------------------------------------------------------------------


def measure_notifications(args, admin) -> tuple[dict, subprocess.Popen]:
    from django.db import transaction
    from huey.contrib.djhuey import HUEY

    from gongzhi.core.models import Delivery, Notification
    from gongzhi.core.notifications import notify
    from gongzhi.core.services import atomic

    before_n = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
    before_d = Delivery.objects.order_by("-id").values_list("id", flat=True).first() or 0
    batch = 500

    @atomic
    def one_action(start: int) -> None:  # a service that tells 500 people (buffered)
        for i in range(start, min(start + batch, args.notifications)):
            notify(
                user_id=admin.pk,
                phone=f"139{i:08d}",
                title=f"基准测试通知 {i}",
                body="诉求已派单，请在时限内办理。",
                link="/demands/",
            )

    with common.Timer() as writing:
        for start in range(0, args.notifications, batch):
            with transaction.atomic():
                one_action(start)
    queued = HUEY.pending_count()
    created = Delivery.objects.filter(id__gt=before_d).count()
    worker = start_worker()
    done = wait_for(
        lambda: not Delivery.objects.filter(id__gt=before_d).exclude(status="sent").exists(),
        timeout=600,
    )
    sent = Delivery.objects.filter(id__gt=before_d, status="sent").count()
    out = {
        "notifications": args.notifications,
        "deliveries": created,
        "queued_tasks": queued,
        "writing_seconds": round(writing.seconds, 1),
        "delivered_seconds": round(done, 1) if done is not None else None,
        "sent": sent,
    }
    Delivery.objects.filter(id__gt=before_d).delete()
    Notification.objects.filter(id__gt=before_n).delete()
    return out, worker


# --- Export ------------------------------------------------------------------------------------


def measure_export(args, district, admin) -> dict:
    from django.test import Client

    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.core.exports import job_file
    from gongzhi.core.models import ExportJob
    from gongzhi.core.testing import sign_in
    from gongzhi.residents.models import Resident

    counts = []
    for street in Area.objects.filter(parent=district, level=Level.STREET).order_by("code"):
        n = Resident.objects.filter(path__under=street.path, present=True).count()
        counts.append((abs(n - args.export_rows), n, street))
    _d, rows, street = min(counts, key=lambda c: c[0])
    client = sign_in(Client(), admin)
    requests, jobs = [], []
    for i in range(1 + args.export_requests):
        before = ExportJob.objects.order_by("-id").values_list("id", flat=True).first() or 0
        with common.Timer() as t:
            response = client.get("/residents/", {"export": "xlsx", "within": street.pk})
        if response.status_code != 302:
            raise SystemExit(f"the export answered {response.status_code}, not the job's page")
        requests.append(t.seconds)
        job = ExportJob.objects.get(id__gt=before)
        jobs.append(job)
        if i:  # only the first is written: the others measure the request alone
            ExportJob.objects.filter(pk=job.pk, status=ExportJob.QUEUED).update(
                status=ExportJob.FAILED, error="bench"
            )
    first = jobs[0]
    ready = wait_for(
        lambda: ExportJob.objects.get(pk=first.pk).status in (ExportJob.DONE, ExportJob.FAILED),
        timeout=300,
    )
    first.refresh_from_db()
    path = job_file(first)
    out = {
        "rows": rows,
        "street": street.name,
        "first_request_ms": round(requests[0] * 1000, 1),
        "request": common.summary_ms(requests[1:]),
        "ready_seconds": round(ready + requests[0], 1) if ready is not None else None,
        "status": first.status,
        "rows_written": first.rows_done,
        "bytes": path.stat().st_size if path else 0,
    }
    wait_for(
        lambda: (
            not ExportJob.objects.filter(
                pk__in=[j.pk for j in jobs], status__in=[ExportJob.QUEUED, ExportJob.RUNNING]
            ).exists()
        ),
        timeout=300,
    )
    for job in ExportJob.objects.filter(pk__in=[j.pk for j in jobs]):
        if (file := job_file(job)) is not None:
            file.unlink()
        job.delete()
    return out


# --- Coherence ---------------------------------------------------------------------------------


KEY = "dues.arrears_warning_months"


def child_reader() -> None:
    """Another server process: one "request" now (its copy of the parameters is read and
    kept), then, when told, the next request; prints the value each used."""
    from django.core.signals import request_finished, request_started
    from django.utils import timezone

    from gongzhi.core import params

    def request() -> int:
        request_started.send(sender=None)
        try:
            return params.value(KEY, timezone.localdate().replace(day=28))
        finally:
            request_finished.send(sender=None)

    print(json.dumps({"before": request()}), flush=True)
    sys.stdin.readline()  # the change is committed
    print(json.dumps({"after": request()}), flush=True)


def measure_coherence(admin) -> dict:
    from django.utils import timezone

    from gongzhi.core import params
    from gongzhi.core.models import ParameterValue

    reader = subprocess.Popen(  # noqa: S603 (this script, the same interpreter)
        [sys.executable, __file__, "--child", "reader"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    before = json.loads(reader.stdout.readline())["before"]
    new = 2 if before != 2 else 3
    day = timezone.localdate().replace(day=1)
    existing = ParameterValue.objects.filter(key=KEY, effective_from=day).first()
    params.set_parameter(actor=admin, key=KEY, new_value=new, effective_from=day, note="基准测试")
    with common.Timer() as t:
        reader.stdin.write("go\n")
        reader.stdin.flush()
        after = json.loads(reader.stdout.readline())["after"]
    reader.wait(timeout=30)
    # Leave the parameters as they were.
    if existing is None:
        ParameterValue.objects.filter(key=KEY, effective_from=day).delete()
    else:
        existing.save()
    from gongzhi.core import shared

    shared.bump("params")
    return {
        "before": before,
        "set": new,
        "seen_on_next_request": after == new,
        "next_request_ms": round(t.seconds * 1000, 1),
    }


# --- Main --------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    if args.child:
        common.setup()
        child_reader()
        return 0
    env = common.start()
    from django.contrib.auth import get_user_model

    from gongzhi.accounts.roles import Role
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import make_user

    district = Area.objects.filter(level=Level.DISTRICT).order_by("id").first()
    if district is None:
        raise SystemExit("no bench district: run bench_foundation.py first")
    users = get_user_model().objects
    admin = users.filter(username="bench_platform_admin").first() or make_user(
        "bench_platform_admin", Role.DISTRICT_ADMIN, district
    )
    results: dict = {"env": env}
    print("enqueue …", flush=True)
    results["enqueue"] = measure_enqueue(args)
    print("notifications …", flush=True)
    results["notifications"], worker = measure_notifications(args, admin)
    try:
        print("export …", flush=True)
        results["export"] = measure_export(args, district, admin)
    finally:
        stop_worker(worker)
    print("coherence …", flush=True)
    results["coherence"] = measure_coherence(admin)
    delivered = results["notifications"]["delivered_seconds"]
    ready = results["export"]["ready_seconds"]
    results["targets"] = {
        "enqueue_p95_ms": common.target(
            results["enqueue"]["p95_ms"], TARGETS["enqueue_p95_ms"], unit="ms"
        ),
        "notifications_seconds": common.target(
            delivered if delivered is not None else float("inf"),
            TARGETS["notifications_seconds"],
            unit="s",
        ),
        "export_request_p95_ms": common.target(
            results["export"]["request"]["p95_ms"], TARGETS["export_request_p95_ms"], unit="ms"
        ),
        "export_ready_seconds": common.target(
            ready if ready is not None else float("inf"), TARGETS["export_ready_seconds"], unit="s"
        ),
        "coherence": {
            "value": results["coherence"]["seen_on_next_request"],
            "ok": bool(results["coherence"]["seen_on_next_request"]),
        },
    }
    path = common.write_result("platform", results)
    print(
        json.dumps({k: v for k, v in results.items() if k != "env"}, ensure_ascii=False, indent=1)
    )
    print(f"written to {Path(path).relative_to(common.PROJECT)}")
    return 0 if all(t["ok"] for t in results["targets"].values()) else common.TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
