"""``gongzhi worker``: the background tasks and the modules' periodic jobs (huey's
consumer, ADR 0009). ``gongzhi run`` starts one beside the web server; a deployment
with several machines runs it as a service of its own. On SQLite it also checkpoints
the write-ahead log every second (core.sqlite)."""

import os
import signal
import threading

from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey

from gongzhi.core import queue, sqlite


class Command(RunHuey):
    help = "运行后台任务与各模块的定期任务（任务队列的消费者）。"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--parent", type=int, metavar="PID", help="该进程结束时随之退出（gongzhi run 使用）"
        )

    def handle(self, *args, parent=None, **options):
        stop = threading.Event()
        sqlite.start_checkpointer(stop)
        if parent is not None:
            watch_parent(parent, stop)
        queue.create_tables()
        names = queue.register_periodic_jobs()
        self.stdout.write("定期任务：" + "、".join(names))
        try:
            super().handle(*args, **options)
        finally:
            stop.set()


def watch_parent(parent: int, stop: threading.Event) -> threading.Thread:
    """Stop this worker (as SIGTERM would: the running tasks finish) once ``parent`` is
    gone, so that an embedded worker never outlives its server."""

    def watch() -> None:
        while not stop.wait(2.0):
            if os.getppid() != parent or not _alive(parent):
                os.kill(os.getpid(), signal.SIGTERM)
                return

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
