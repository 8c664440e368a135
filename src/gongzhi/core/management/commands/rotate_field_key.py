"""`gongzhi rotate_field_key`: re-encrypt every ID number with the current field key.

To rotate: put the new key in GONGZHI_FIELD_KEY and the old one in
GONGZHI_FIELD_OLD_KEYS (comma-separated), restart, and run this command; it rewrites the
ciphertext and the lookup hash of every row still under another key (or another suite:
switching GONGZHI_CRYPTO between "standard" and "sm" is a rotation too), in batches that
each commit, so it can be stopped and run again. Until it is done the old keys decrypt
and lookups find rows under either hash; afterwards drop the old key. With key files
(``gongzhi initkeys``), ``--new-key`` does both steps: it moves the current key to
``field_old_keys`` and writes a new one before re-encrypting.
"""

import secrets

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gongzhi.core import audit, crypto
from gongzhi.core.models import IdentityNumber

BATCH = 2000


def registers():
    return [m for m in apps.get_models() if issubclass(m, IdentityNumber)]


def rotate(model, batch: int = BATCH) -> int:
    """Re-encrypt and re-hash the rows of one register not under the current key."""
    current = crypto.field_keys().current
    done, last = 0, 0
    while True:
        rows = list(
            model.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "id_number_enc")[:batch]
        )
        if not rows:
            return done
        last = rows[-1][0]
        stale = [(pk, enc) for pk, enc in rows if crypto.needs_rotation(enc)]
        if not stale:
            continue
        updates = []
        for pk, enc in stale:
            number = crypto.decrypt(enc)
            if not number:
                raise CommandError(
                    f"{model._meta.label} {pk}：没有任何已配置的密钥能解密，"
                    "请把旧密钥加入 GONGZHI_FIELD_OLD_KEYS 后重试。"
                )
            updates.append(
                model(
                    pk=pk,
                    id_number_enc=current.encrypt(number),
                    id_number_hash=current.lookup_hash(number),
                )
            )
        with transaction.atomic():
            model.objects.bulk_update(updates, ["id_number_enc", "id_number_hash"], batch_size=500)
        done += len(updates)


class Command(BaseCommand):
    help = "用当前字段密钥重新加密全部身份证号（分批提交，可中断后重跑）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-key",
            action="store_true",
            help="使用 var/keys 中的密钥文件时：先把当前密钥移入旧密钥，再生成新密钥",
        )
        parser.add_argument("--batch", type=int, default=BATCH)

    def handle(self, *args, new_key=False, batch=BATCH, **options):
        if new_key:
            self._new_key_file()
        crypto.reset_caches()
        total = 0
        for model in registers():
            count = rotate(model, batch)
            total += count
            self.stdout.write(f"{model._meta.verbose_name}：重新加密 {count} 条")
        audit.log(
            "core.field_key.rotated",
            data={
                "rows": total,
                "key": crypto.field_keys().current.tag,
                "suite": settings.GONGZHI_CRYPTO,
            },
        )
        self.stdout.write(self.style.SUCCESS(f"完成：共 {total} 条；旧密钥现在可以移除。"))

    def _new_key_file(self):
        import os

        if os.environ.get("GONGZHI_FIELD_KEY"):
            raise CommandError("GONGZHI_FIELD_KEY 由环境变量设置：请在环境中更换密钥后重跑本命令。")
        directory = crypto.key_dir(settings.VAR_DIR)
        current = directory / "field_key"
        old = directory / crypto.OLD_FIELD_KEYS_FILE
        if not current.exists():
            raise CommandError(f"{current} 不存在：先运行 gongzhi initkeys。")
        material = current.read_text("utf-8").strip()
        fd = os.open(old, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(material + "\n")
        fresh = directory / "field_key.new"
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        fresh.replace(current)
        settings.GONGZHI_FIELD_KEY = crypto.read_key("GONGZHI_FIELD_KEY", settings.VAR_DIR)
        settings.GONGZHI_FIELD_OLD_KEYS = [*settings.GONGZHI_FIELD_OLD_KEYS, material]
