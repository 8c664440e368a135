"""`gongzhi audit_verify`: check the audit log's keyed chain and its checkpoints."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import audit
from gongzhi.core.models import AuditLog


class Command(BaseCommand):
    help = (
        "校验审计日志：逐条核对带密钥的哈希链，并与检查点文件核对（发现篡改、删除或删去"
        "最新记录时以非零状态退出）；--checkpoint 在校验通过后追加一个检查点。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000, help="每批读取的记录数")
        parser.add_argument(
            "--checkpoint", action="store_true", help="校验通过后把当前链头写入检查点文件"
        )

    def handle(self, *args, batch, checkpoint=False, **options):
        result = audit.verify(batch=batch)
        if not result.intact:
            raise CommandError("审计日志校验未通过：\n" + "\n".join(result.problems))
        self.stdout.write(
            self.style.SUCCESS(
                f"审计日志完好：共校验 {result.checked} 条记录，"
                f"与 {result.checkpoints} 个检查点一致。"
            )
        )
        head = AuditLog.objects.order_by("-id").values_list("id", "hash").first()
        if head:
            self.stdout.write(f"最新记录 {head[0]}，哈希 {head[1]}")
        if checkpoint and audit.write_checkpoint():
            self.stdout.write(f"已写入检查点：{audit.checkpoint_path()}")
