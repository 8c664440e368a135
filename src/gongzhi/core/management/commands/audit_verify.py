"""`gongzhi audit_verify`: walk the audit log's hash chain and report the first break."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.audit import verify_chain
from gongzhi.core.models import AuditLog


class Command(BaseCommand):
    help = "校验审计日志的哈希链：发现被篡改或删除的记录时以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000, help="每批读取的记录数")

    def handle(self, *args, batch, **options):
        checked, broken = verify_chain(batch=batch)
        if broken is not None:
            raise CommandError(
                f"审计日志哈希链在第 {broken} 号记录处断裂（之前 {checked} 条完好）："
                "该记录或其前一条记录已被篡改或删除。"
            )
        head = AuditLog.objects.order_by("-id").values_list("id", "hash").first()
        self.stdout.write(self.style.SUCCESS(f"审计日志完好：共校验 {checked} 条记录。"))
        if head:
            # Writing the head down elsewhere (e.g. with each backup) also makes the
            # removal of the newest records detectable.
            self.stdout.write(f"最新记录 {head[0]}，哈希 {head[1]}")
