"""``gongzhi synth --residents N``: a synthetic district in bulk, for benchmarks.

See :mod:`gongzhi.areas.synth` for what is generated and how later modules extend it.
"""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.areas import synth
from gongzhi.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "生成一个模拟区县（街道、社区、网格、小区/院落、楼栋、单元、住户），用于性能测试；"
        "按每户约 2.5 人折算户数。同一区县代码已存在时拒绝生成。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, required=True, help="居民人数，例如 1000000")
        parser.add_argument("--seed", type=int, default=1, help="随机种子：相同种子生成相同数据")
        parser.add_argument(
            "--district-code",
            default=synth.DEFAULT_DISTRICT_CODE,
            help=f"6 位区县代码（默认 {synth.DEFAULT_DISTRICT_CODE}，不与真实区县重复）",
        )
        parser.add_argument("--district-name", default=synth.DEFAULT_DISTRICT_NAME)
        parser.add_argument(
            "--area-tree-only",
            action="store_true",
            help="只生成区域树和住户，不运行其他模块的模拟数据步骤",
        )

    def handle(
        self, *args, residents, seed, district_code, district_name, area_tree_only, **options
    ):
        verbose = options["verbosity"] > 1
        try:
            ctx = synth.run(
                residents=residents,
                seed=seed,
                district_code=district_code,
                district_name=district_name,
                log=self.stdout.write if verbose else None,
                area_tree_only=area_tree_only,
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        counts = "，".join(f"{name} {n:,}" for name, n in ctx.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成模拟区县 {ctx.district.name}（{ctx.district.code}）：{counts}；"
                f"用时 {ctx.timings['total']:.1f} 秒。"
            )
        )
