"""Demo dues for the demo street: a year of ledgers up to this month. Loads once.

Every active member declares a basis (employed by after-tax income, retirees by pension,
students and members on relief a fixed 0.20 yuan, a few farmers); most re-declare at the
start of this year, some do not (the reminder shows). A few reductions and exemptions
are approved; the monthly run covers the last 12 months; members pay monthly, quarterly
in advance, late or in part; several are 3–5 months in arrears and two are 6 or more; one
special payment of 2,000 yuan marks 1 July. Everything goes through the services, in
calendar order (each month: the run, then the payments received that month).
"""

import random
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.core.calendar import add_months
from gongzhi.party.choices import Category, CommitteePost, Standing
from gongzhi.party.models import CommitteeSeat, Member

from . import services
from .choices import DuesKind, PaymentMethod
from .models import DuesProfile

FEN = Decimal("0.01")
# Payment habits and their shares among members who pay.
MONTHLY, QUARTERLY, LATE, PARTIAL = "monthly", "quarterly", "late", "partial"
HABITS = [(MONTHLY, 62), (QUARTERLY, 24), (LATE, 10), (PARTIAL, 4)]
# Consecutive unpaid months up to this month: several warnings and two flags (art. 9).
WARNING_STREAKS = [3, 4, 5, 3, 4, 3, 5, 4]
FLAG_STREAKS = [6, 8]


def load(district_code: str) -> str:
    members = Member.objects.filter(path__startswith=f"/{district_code}/")
    if DuesProfile.objects.filter(member__in=members).exists():
        return "党费的演示数据已存在，未重复加载。"
    if not members.exists():
        return "尚无党员，未加载党费的演示数据。"
    declared, payments = _load(district_code)
    return f"已加载党费的演示数据（{declared} 名党员近12个月的台账，{payments} 笔缴纳）。"


def _yuan(rng: random.Random, low: int, high: int) -> Decimal:
    """An amount between ``low`` and ``high`` yuan, with fen."""
    return (Decimal(rng.randint(low * 100, high * 100)) / 100).quantize(FEN)


def _age(member: Member, today: date) -> int:
    birth = member.birth_date
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _basis(rng: random.Random, member: Member, today: date) -> tuple[str, Decimal | None]:
    """The member's dues kind and base (or fixed amount), as their circumstances suggest."""
    age = _age(member, today)
    if member.category == Category.STUDENT:
        return DuesKind.STUDENT, None
    if member.category == Category.RETIRED or age >= 63:
        return DuesKind.RETIRED, _yuan(rng, 2600, 4800) if rng.random() < 0.7 else _yuan(
            rng, 5000, 8200
        )
    if member.category == Category.IN_SERVICE:
        return DuesKind.EMPLOYED, _yuan(rng, 5200, 14800)
    roll = rng.random()
    if roll < 0.03 and age >= 40:
        return DuesKind.FARMER, rng.choice([Decimal("0.50"), Decimal("0.80"), Decimal("1.00")])
    if roll < 0.08:
        return DuesKind.LOW_INCOME, None
    band = rng.random()
    if band < 0.25:
        return DuesKind.EMPLOYED, _yuan(rng, 2600, 3000 if rng.random() < 0.4 else 4999)
    if band < 0.72:
        return DuesKind.EMPLOYED, _yuan(rng, 5000, 9800)
    if band < 0.95:
        return DuesKind.EMPLOYED, _yuan(rng, 10000, 16000)
    return DuesKind.EMPLOYED, _yuan(rng, 16000, 26000)


def _raise(rng: random.Random, kind: str, base: Decimal | None) -> Decimal | None:
    """This year's declared base: pay rises for most, pension adjustments for retirees."""
    if base is None or kind not in (DuesKind.EMPLOYED, DuesKind.RETIRED):
        return base
    factor = Decimal(rng.randint(0, 80) if kind == DuesKind.EMPLOYED else rng.randint(15, 30))
    return (base * (1 + factor / 1000)).quantize(FEN, rounding=ROUND_HALF_UP)


@transaction.atomic
def _load(district_code: str) -> tuple[int, int]:
    rng = random.Random(2008)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    months = [add_months(this_month, -i) for i in range(11, -1, -1)]
    # The rest of this quarter, which quarterly payers pay in advance.
    ahead = [add_months(this_month, i) for i in range(1, 3 - (this_month.month - 1) % 3)]
    actor = User.objects.filter(is_superuser=True).order_by("id").first()
    members = list(
        Member.objects.filter(path__startswith=f"/{district_code}/", standing=Standing.ACTIVE)
        .select_related("organization")
        .order_by("path", "id")
    )
    receivers = _receivers(members)

    # Declarations: last year's (or at admission), then this year's for most members.
    last_january, this_january = date(today.year - 1, 1, 1), date(today.year, 1, 1)
    profiles, reductions = defaultdict(list), defaultdict(list)
    for member in members:
        kind, amount = _basis(rng, member, today)
        admitted = member.admitted_on.replace(day=1)
        first = max(last_january, admitted)
        declared_on = (
            member.admitted_on if admitted > last_january else first.replace(day=rng.randint(3, 20))
        )
        profiles[member.pk].append(_declare(member, actor, kind, amount, first, declared_on))
        if first < this_january and rng.random() < 0.88:
            declared_on = min(this_january.replace(day=rng.randint(3, 20)), today)
            amount = _raise(rng, kind, amount)
            profiles[member.pk].append(
                _declare(member, actor, kind, amount, this_january, declared_on)
            )

    # Arrears: pocket and floating members first (out of touch), spread over communities.
    by_community = defaultdict(list)
    for member in members:
        if member.category in (Category.POCKET, Category.FLOATING):
            by_community[member.path.split("/")[3]].append(member)
    pools = [sorted(group, key=lambda m: m.pk) for _, group in sorted(by_community.items())]
    # The second community (和顺社区, where the demo community accounts work) gets a flag,
    # two warnings, the reductions and the special payment.
    communities = sorted({_community(m) for m in members})
    focus = communities[1] if len(communities) > 1 else communities[0]
    streaks, streak_list = {}, WARNING_STREAKS + FLAG_STREAKS
    for n, streak in enumerate(streak_list):
        pool = pools[(n + 1) % len(pools)] if pools else []
        candidates = [m for m in pool if m.pk not in streaks and m.admitted_on < months[0]]
        if candidates:
            streaks[candidates[0].pk] = streak

    # Reductions and exemptions: decided by the branch, approved by the community committee.
    eligible = [
        m
        for m in members
        if m.pk not in streaks and m.admitted_on < months[0] and _community(m) == focus
    ]
    retired = [m for m in eligible if profiles[m.pk][-1].kind == DuesKind.RETIRED]
    employed = [m for m in eligible if profiles[m.pk][-1].kind == DuesKind.EMPLOYED]
    decisions = [
        (retired[len(retired) // 3], 3, 8, "0.00", "患重病长期住院治疗，医疗支出大，申请免交"),
        (employed[len(employed) // 2], 6, 17, "1.00", "家庭遭遇变故，生活困难，申请少交"),
        (retired[2 * len(retired) // 3], 9, 14, "0.00", "本人及配偶均重病卧床，申请免交"),
    ]
    for member, start, end, amount, reason in decisions:
        start_month, end_month = add_months(months[0], start), add_months(months[0], end)
        decided = add_months(start_month, -1).replace(day=rng.randint(10, 18))
        reductions[member.pk].append(
            services.grant_reduction(
                member,
                actor=actor,
                start_month=start_month,
                end_month=end_month,
                monthly_amount=amount,
                reason=reason,
                branch_decided_on=decided,
                approved_on=decided.replace(day=decided.day + rng.randint(5, 10)),
                approver=member.organization.parent.name
                if member.organization.parent
                else "上级党委",
            )
        )
    reduced = {m.pk for m, *_rest in decisions}

    # What each member will owe each month: the service's own rule.
    owed = {}
    for member in members:
        for month in months + ahead:
            result = services.charge_for(
                member, month, profiles[member.pk], reductions.get(member.pk, ())
            )
            if result is not None:
                owed[member.pk, month] = result[0]

    # Payments, by the calendar month they are received in.
    received = defaultdict(list)
    for member in members:
        habit = MONTHLY if member.pk in reduced else _habit(rng)
        streak = streaks.get(member.pk)
        window = months + ahead if habit == QUARTERLY and streak is None else months
        for entry in _payments(rng, member, habit, window, owed, streak):
            paid_on, month, amount = entry
            if paid_on <= today and amount > 0:
                received[paid_on.replace(day=1)].append((paid_on, member, month, amount))
    veteran = next(
        m for m in eligible if profiles[m.pk][-1].kind == DuesKind.RETIRED and m.pk not in reduced
    )
    july_first = date(today.year if today >= date(today.year, 7, 1) else today.year - 1, 7, 1)

    # Month by month: payments for the month (or ahead) are received during it, the
    # ledger is made up at its end (the run applies them), and late payments for earlier
    # months are entered against the ledger already made.
    count = 0
    for month in months:
        entries = sorted(received.pop(month, []), key=lambda e: (e[0], e[1].pk, e[2]))
        ahead_rows = [_row(rng, receivers, *e) for e in entries if e[2] >= month]
        late_rows = [_row(rng, receivers, *e) for e in entries if e[2] < month]
        if ahead_rows:
            services.record_payments(ahead_rows, actor=actor)
        services.run_month(month, actor=actor)
        if late_rows:
            services.record_payments(late_rows, actor=actor)
        count += len(ahead_rows) + len(late_rows)
        if month == july_first.replace(day=1):
            services.record_special_payment(
                veteran,
                actor=actor,
                amount="2000.00",
                paid_on=july_first,
                method=PaymentMethod.TRANSFER,
                receiver=receivers.get(veteran.organization_id, "支部组织委员"),
                note="庆祝建党纪念日，自愿一次性多交党费",
            )
            count += 1
    return len(members), count


def _community(member: Member) -> str:
    """The community segment of a member's area path (/district/street/community/…)."""
    return member.path.split("/")[3]


def _row(rng, receivers, paid_on, member, month, amount) -> dict:
    return {
        "member": member,
        "month": month,
        "amount": amount,
        "paid_on": paid_on,
        "method": _method(rng, member),
        "receiver": receivers.get(member.organization_id, "支部组织委员"),
        "note": "预交" if month > paid_on else "",
    }


def _declare(member, actor, kind, amount, month, declared_on) -> DuesProfile:
    based = kind in (DuesKind.EMPLOYED, DuesKind.RETIRED)
    return services.declare(
        member,
        actor=actor,
        kind=kind,
        effective_month=month,
        declared_on=declared_on,
        base=amount if based else None,
        fixed_amount=amount if kind == DuesKind.FARMER else None,
    )


def _habit(rng: random.Random) -> str:
    return rng.choices([h for h, _w in HABITS], weights=[w for _h, w in HABITS])[0]


def _payments(rng, member, habit, months, owed, streak):
    """(paid on, for month, amount) of one member over the window, by their habit."""
    due = [(i, m, owed[member.pk, m]) for i, m in enumerate(months) if (member.pk, m) in owed]
    if streak is not None:
        # Paid monthly until ``streak`` months ago, nothing since.
        return [
            (m.replace(day=rng.randint(5, 25)), m, amount)
            for i, m, amount in due
            if i < len(months) - streak
        ]
    result = []
    if habit == QUARTERLY:
        # The quarter's dues at once, in its first month (or the first month of the window).
        quarters = defaultdict(list)
        for _i, m, amount in due:
            quarters[(m.year, (m.month - 1) // 3)].append((m, amount))
        for entries in quarters.values():
            paid_on = entries[0][0].replace(day=rng.randint(3, 15))
            result += [(paid_on, m, amount) for m, amount in entries]
        return result
    for _i, m, amount in due:
        if habit == LATE and rng.random() < 0.45:
            paid_on = add_months(m, rng.choice([1, 1, 2])).replace(day=rng.randint(3, 25))
            result.append((paid_on, m, amount))
        elif habit == PARTIAL and rng.random() < 0.4 and amount >= Decimal("2.00"):
            part = (amount / 2).quantize(FEN, rounding=ROUND_HALF_UP)
            result.append((m.replace(day=rng.randint(5, 20)), m, part))
            if rng.random() < 0.6:  # the rest a month later, or still owed
                later = add_months(m, 1).replace(day=rng.randint(5, 25))
                result.append((later, m, amount - part))
        else:
            result.append((m.replace(day=rng.randint(3, 25)), m, amount))
    return result


def _method(rng: random.Random, member: Member) -> str:
    if member.category == Category.RETIRED:
        weights = [55, 10, 35]
    else:
        weights = [15, 15, 70]
    return rng.choices(
        [PaymentMethod.CASH, PaymentMethod.TRANSFER, PaymentMethod.ONLINE], weights=weights
    )[0]


def _receivers(members) -> dict[int, str]:
    """Who receives the dues in each branch: its organization committee member, else the
    secretary."""
    seats = CommitteeSeat.objects.filter(
        organization_id__in={m.organization_id for m in members},
        post__in=[CommitteePost.ORGANIZATION, CommitteePost.SECRETARY],
    ).select_related("member")
    result = {}
    for seat in sorted(seats, key=lambda s: s.post != CommitteePost.ORGANIZATION):
        result.setdefault(seat.organization_id, seat.member.name)
    return result
