"""`gongzhi initkeys`: random keys for an installation that sets none in its environment.

``make run`` calls it before the first migration. Each key the environment does not set
(SECRET_KEY, GONGZHI_FIELD_KEY, GONGZHI_AUDIT_KEY) gets a random value in a file under
``$GONGZHI_VAR_DIR/keys/`` (directory 700, files 600), which settings.py reads; an
existing file is never overwritten. The files are outside git (``var/`` is ignored).
Keep them with the backup plan, but apart from the backups: a backup and its field key
together disclose the ID numbers.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from gongzhi.core import crypto


class Command(BaseCommand):
    help = "为未在环境变量中设置的密钥生成随机值，保存在 var/keys/（权限 600，不会覆盖已有文件）。"

    def handle(self, *args, **options):
        created = crypto.create_key_files(settings.VAR_DIR)
        directory = crypto.key_dir(settings.VAR_DIR)
        if created:
            self.stdout.write(f"已生成密钥 {', '.join(created)}：{directory}")
        else:
            self.stdout.write(f"密钥已齐备（环境变量或 {directory}）。")
