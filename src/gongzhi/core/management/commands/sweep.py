"""``gongzhi sweep``: the periodic jobs every module declares in its manifest
(core.modules: the demands' reminders and escalation, the audit log's checkpoints and
daily verification, the expiry of import results…), run once, now.

The worker (``gongzhi worker``, which ``gongzhi run`` starts) runs them on their
schedule; this command is for cron or a systemd timer where no worker runs, and for an
administrator who wants them run at once. Every job is idempotent and decides for itself
what is due, so running them often is harmless.
"""

from time import monotonic

from django.core.management.base import BaseCommand

from gongzhi.core import modules


class Command(BaseCommand):
    help = "立即运行一次各模块的定期任务：诉求到期提醒与超期督办、审计日志检查点等。"

    def handle(self, *args, **options):
        for job in modules.periodic_jobs():
            started = monotonic()
            result = modules.run(job)()
            if job.report:  # a job that reports says what it did, or that it waited
                line = str(job.skipped) if result is None else str(job.report).format(**result)
                self.stdout.write(f"{line}（{monotonic() - started:.1f} 秒）。")
