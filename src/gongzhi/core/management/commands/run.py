"""Serve Gongzhi with gunicorn (static files through whitenoise)."""

import logging
import os
import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "启动 Web 服务（gunicorn）。"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("GONGZHI_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("GONGZHI_WORKERS", "2"))
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("GONGZHI_THREADS", "4"))
        )
        parser.add_argument(
            "--no-worker",
            dest="worker",
            action="store_false",
            default=os.environ.get("GONGZHI_EMBEDDED_WORKER", "1") != "0",
            help="不在本机启动后台任务进程（另行运行 gongzhi worker 时使用）",
        )

    def handle(self, *args, bind, workers, threads, worker=True, **options):
        from django.conf import settings
        from gunicorn.app.wsgiapp import run

        from gongzhi.core.checks import development_keys

        weak = development_keys()
        if weak and not settings.DEBUG:
            raise CommandError(
                "拒绝启动：{keys} 仍是公开的开发密钥，任何人都能据此伪造会话、解密备份中的"
                "身份证号。请在环境变量中设置它们，或运行 gongzhi initkeys 生成（make run "
                "会自动生成）。".format(keys="、".join(weak))
            )

        from django.db import connections

        from gongzhi.core.bulk import recover

        # Imports cut short by a crash of this machine's previous server: take their
        # committed batches back before anyone reads them. A failure is logged and the
        # periodic jobs try again; the server starts all the same.
        try:
            for undone in recover():
                self.stdout.write(
                    f"已撤回中断的批量写入 {undone['label']}：{undone['batches']} 批，"
                    f"{undone['rows']} 行。"
                )
        except Exception:
            logging.getLogger(__name__).exception("taking back interrupted imports failed")
        finally:
            for connection in connections.all(initialized_only=True):
                if not connection.in_atomic_block:  # (a test's own transaction stays)
                    connection.close()  # not inherited by the forked workers
        if worker:
            start_worker()

        sys.argv = [
            "gunicorn",
            "gongzhi.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            "--timeout",
            "120",
            # An idle kept-alive connection stays open longer than a client pauses
            # between two requests (a person's 1–5 s, nginx's upstream pool's 60 s): with
            # gunicorn's default of 2 s, the close raced the next request and the client
            # saw "connection reset" (bench/README.md, load and faults).
            "--keep-alive",
            "75",
            # No control socket: none is used, and its default lives in $HOME (a service
            # account's home may not be writable; an empty path logged an error at start).
            "--no-control-socket",
            # The access log never carries query strings (they may hold search terms).
            "--access-logformat",
            '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
        ]
        self.stdout.write(f"Serving on http://{bind}/")
        run()


def start_worker():
    """The embedded background worker (tasks, and periodic jobs such as the demands'
    reminders and escalation): a child process running ``gongzhi worker``, which ends
    with this one (ADR 0009)."""
    import atexit
    import subprocess

    child = subprocess.Popen(  # noqa: S603 (our own interpreter and command)
        [
            sys.executable,
            "-m",
            "gongzhi.cli",
            "worker",
            "--parent",
            str(os.getpid()),
        ]
    )
    atexit.register(child.terminate)
    return child
