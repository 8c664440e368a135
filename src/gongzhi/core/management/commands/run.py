"""Serve Gongzhi with gunicorn (static files through whitenoise)."""

import os
import sys

from django.core.management.base import BaseCommand


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

    def handle(self, *args, bind, workers, threads, **options):
        from gunicorn.app.wsgiapp import run

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
            # The access log never carries query strings (they may hold search terms).
            "--access-logformat",
            '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
        ]
        self.stdout.write(f"Serving on http://{bind}/")
        run()
