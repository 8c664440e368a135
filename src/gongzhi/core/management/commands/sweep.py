"""``gongzhi sweep``: the periodic jobs every module declares in its manifest
(core.modules: the demands' reminders and escalation, the audit log's checkpoints and
daily verification, the expiry of import results…).

Once by default (for cron or a systemd timer); ``--loop SECONDS`` runs them every so many
seconds (``gongzhi run`` starts it this way beside the web server). Every job is
idempotent and decides for itself what is due, so running them often is harmless. A loop
also checkpoints SQLite's write-ahead log every second (core.sqlite).
"""

import os
import signal
import threading
from time import monotonic

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from gongzhi.core import modules, sqlite


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop_stale_connection():
    """Between sweeps a long-running loop drops a broken or expired connection, as Django
    does between requests; never one inside a transaction (a caller's, or a test's)."""
    if not connection.in_atomic_block:
        close_old_connections()


class Command(BaseCommand):
    help = "运行各模块的定期任务：诉求到期提醒与超期督办、审计日志检查点等（运行一次；--loop 秒数 则持续运行）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop",
            type=int,
            metavar="SECONDS",
            help="每隔多少秒扫描一次，直到停止（Ctrl-C 或 SIGTERM）",
        )
        parser.add_argument(
            "--parent", type=int, metavar="PID", help="该进程结束时随之退出（gongzhi run 使用）"
        )
        parser.add_argument("--iterations", type=int, help="最多扫描几次（用于测试）")

    def handle(self, *args, loop=None, parent=None, iterations=None, **options):
        if loop is not None and loop < 1:
            raise CommandError("--loop 须为正整数（秒）。")
        stop = threading.Event()
        previous = {}
        if loop is not None and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, lambda *_a: stop.set())
        if loop is not None:
            sqlite.start_checkpointer(stop)  # the web workers' log, off their requests
        try:
            self.sweep(stop, loop, parent, iterations)
        finally:
            stop.set()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            drop_stale_connection()

    def sweep(self, stop, loop, parent, iterations):
        done = 0
        while not stop.is_set():
            drop_stale_connection()
            for job in modules.periodic_jobs():
                started = monotonic()
                result = modules.run(job)()
                if job.report:  # a job that reports says what it did, or that it waited
                    line = str(job.skipped) if result is None else str(job.report).format(**result)
                    self.stdout.write(f"{line}（{monotonic() - started:.1f} 秒）。")
            self.stdout.flush()
            done += 1
            if loop is None or (iterations is not None and done >= iterations):
                break
            # Wait in short steps so that the loop ends soon after its parent does.
            deadline = monotonic() + loop
            while not stop.is_set() and monotonic() < deadline:
                if parent is not None and (os.getppid() != parent or not _alive(parent)):
                    return
                stop.wait(min(5.0, max(0.0, deadline - monotonic())))
