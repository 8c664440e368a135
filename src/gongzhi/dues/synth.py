"""Synthetic dues declarations for benchmarks: every synthetic member gets a basis that
fits their category (employed by income, retirees by pension, students and low-income
fixed), declared in January 2025. Charges and payments are made by the benchmark through
``dues.services.run_month`` and ``record_payment`` so they are timed."""

from datetime import date
from decimal import Decimal

from gongzhi.party.choices import Category
from gongzhi.party.models import Member

from .choices import DuesKind
from .models import DuesProfile

DECLARED = date(2025, 1, 5)
EFFECTIVE = date(2025, 1, 1)


def synthesize(ctx) -> None:
    with ctx.step("dues declarations"):
        rng = ctx.rng("dues")
        members = Member.objects.filter(path__under=ctx.district.path).values_list("id", "category")

        def profiles():
            for member_id, category in members.iterator(chunk_size=5000):
                if category == Category.RETIRED:
                    kind, base = DuesKind.RETIRED, Decimal(rng.randint(180000, 900000)) / 100
                elif category == Category.STUDENT:
                    kind, base = DuesKind.STUDENT, None
                elif rng.random() < 0.03:
                    kind, base = DuesKind.LOW_INCOME, None
                else:
                    kind, base = DuesKind.EMPLOYED, Decimal(rng.randint(200000, 3000000)) / 100
                yield DuesProfile(
                    member_id=member_id,
                    kind=kind,
                    base=base,
                    effective_month=EFFECTIVE,
                    declared_on=DECLARED,
                )

        ctx.count("党费计缴基数", ctx.bulk_create(DuesProfile, profiles(), batch_size=5000))
