"""Synthetic visits and care for the bench district (``gongzhi synth``), after the service
step (its pairs, reports and accounts): an account for the grid worker of every grid,
care households (about 3 % of the households: the difficult households members are
paired with first, then others) in three tiers with their 五必访 reasons and recent major
events, about 1,000,000 visits over three years — grid workers' visits to care households
at their tier's pace with gaps, in-service members' visits to their paired households at
their level's pace with gaps, the visits that published a micro-wish or opened a care case,
and routine visits, 三必到 occasions and talks to fill up — and care cases with helpers and
the help given.

Sizes scale with ``ctx.residents`` (1 visit a resident over the three years). Rows go in
through ``core.bulk.insert_rows`` community by community, each community's reads done
before its writes. A district that has care households already is left alone.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core import params
from gongzhi.core.bulk import insert_rows
from gongzhi.core.calendar import add_months
from gongzhi.core.names import person_name
from gongzhi.party.models import Member
from gongzhi.residents.choices import Duty
from gongzhi.residents.models import Resident, Responsibility
from gongzhi.service.choices import PairKind, ReportState, WishSource
from gongzhi.service.models import Pair, Report, Wish
from gongzhi.service.synth import START, TODAY, TZ, Ids

from . import rules
from .choices import CareReason, CareTier, CaseState, FollowUp, HelpKind, VisitKind
from .models import CareCase, CareHousehold, Help, Visit

VISITS_PER_RESIDENT = 1.0  # 1,000,000 visits for 1,000,000 residents
CARE_SHARE = 0.03
TIERS = ((CareTier.HIGH_RISK, 10), (CareTier.KEY, 30), (CareTier.NORMAL, 60))
REASONS = (
    (CareReason.DIFFICULT, 25),
    (CareReason.ELDERLY_ALONE, 35),
    (CareReason.DISABLED, 15),
    (CareReason.DECEASED_MEMBER, 5),
    (CareReason.DISPUTE, 12),
    (CareReason.OTHER, 8),
)
REASON_KIND = {
    CareReason.DIFFICULT: VisitKind.DIFFICULT_HOUSEHOLD,
    CareReason.ELDERLY_ALONE: VisitKind.ELDERLY_ALONE,
    CareReason.DISABLED: VisitKind.DISABLED,
    CareReason.DECEASED_MEMBER: VisitKind.DECEASED_MEMBER,
    CareReason.DISPUTE: VisitKind.DISPUTE,
    CareReason.OTHER: VisitKind.ROUTINE,
}
# The routine visits that fill up, by kind.
ROUTINE_KINDS = (
    (VisitKind.ROUTINE, 60),
    (VisitKind.TALK, 20),
    (VisitKind.ILLNESS, 7),
    (VisitKind.DIFFICULTY, 7),
    (VisitKind.FAMILY_EVENT, 6),
)
EVENTS = (
    (VisitKind.ILLNESS, "突发疾病住院"),
    (VisitKind.FAMILY_EVENT, "家中老人去世"),
    (VisitKind.DIFFICULTY, "家中失火受损"),
)
FOUND = {
    VisitKind.ROUTINE: ("家中情况正常，生活稳定。", "询问近况，无特殊需求。", "反映楼道灯损坏。"),
    VisitKind.TALK: ("聊家常，了解对社区工作的意见建议。", "谈心谈话，情绪稳定。"),
    VisitKind.ILLNESS: ("住院治疗中，家属陪护，已转达社区慰问。", "病后在家休养，需定期探望。"),
    VisitKind.DIFFICULTY: ("家庭收入下降，生活困难，需协助申请救助。", "子女上学费用有困难。"),
    VisitKind.FAMILY_EVENT: ("家中办理丧事，已上门慰问。", "家中有喜事，上门祝贺。"),
    VisitKind.DIFFICULT_HOUSEHOLD: ("低保户，生活基本有保障。", "医疗支出大，申请临时救助。"),
    VisitKind.ELDERLY_ALONE: ("独居老人身体尚可，已检查燃气安全。", "老人行动不便，需要送餐服务。"),
    VisitKind.DISABLED: ("残疾人家庭，辅具需要更换。", "康复情况良好。"),
    VisitKind.DECEASED_MEMBER: ("已故党员家属，生活平稳，转达组织关怀。",),
    VisitKind.DISPUTE: ("邻里纠纷已缓和，继续关注。", "与物业有争议，已协调。"),
}
HELP = (
    (HelpKind.MONEY, "临时救助金", (300, 2000)),
    (HelpKind.GOODS, "米面油等生活物资", (100, 500)),
    (HelpKind.SERVICE, "上门打扫卫生、陪同就医", None),
    (HelpKind.JOB, "推荐就业岗位", None),
    (HelpKind.POLICY, "协助办理低保、医保报销", None),
)
CASE_TITLES = ("生活困难帮扶", "就医就学帮扶", "独居老人关爱", "残疾人家庭帮扶")
VISIT_FIELDS = (
    "household_id",
    "resident_id",
    "area_id",
    "path",
    "visitor_id",
    "member_id",
    "visited_on",
    "kind",
    "found",
    "follow_up",
    "wish_id",
    "case_id",
)


def _pick(rng: random.Random, table):
    return rng.choices([v for v, _w in table], [w for _v, w in table])[0]


def _grid_of(path: str) -> str:
    return "/".join(path.split("/")[:5]) + "/"


def synthesize(ctx) -> None:
    district = ctx.district
    if CareHousehold.objects.filter(path__under=district.path).exists():
        ctx.log("visits: the district has care households already, nothing written")
        return
    with ctx.step("visits, care households and care cases"):
        _run(ctx)


def _run(ctx) -> None:
    rng = ctx.rng("visits")
    district = ctx.district
    ids = Ids()
    total_households = (
        Household.objects.filter(path__under=district.path).exclude(status="vacant").count() or 1
    )
    share_of_visits = VISITS_PER_RESIDENT * ctx.residents / total_households
    communities = list(
        Area.objects.filter(path__under=district.path, level=Level.COMMUNITY)
        .order_by("path")
        .values_list("id", "path")
    )
    counts: dict[str, int] = defaultdict(int)
    # The norms in force (visits/params.py): months between a visitor's visits by level,
    # days between a care household's visits by tier.
    visitor_months = {
        level: params.value(key, TODAY) for level, key in rules.VISITOR_MONTHS.items()
    }
    tier_days = {tier: (rules.household_due(tier, TODAY, TODAY) - TODAY).days for tier in CareTier}
    for community_id, community_path in communities:
        done = _community(
            rng, ids, community_id, community_path, share_of_visits, visitor_months, tier_days
        )
        for key, n in done.items():
            counts[key] += n
    ctx.count("网格员账号", counts["workers"])
    ctx.count("关爱户", counts["care"])
    ctx.count("结对帮扶", counts["cases"])
    ctx.count("帮扶记录", counts["help"])
    ctx.count("走访记录", counts["visits"])


def _community(
    rng: random.Random,
    ids: Ids,
    community_id: int,
    community_path: str,
    share_of_visits: float,
    visitor_months: dict[str, int],
    tier_days: dict[str, int],
) -> dict[str, int]:
    """One community's care households, cases and visits (``share_of_visits`` a household)."""
    # --- Reads of the community (before any write) ---
    grids = list(
        Area.objects.filter(path__under=community_path, level=Level.GRID)
        .order_by("path")
        .values_list("id", "path", "code")
    )
    workers_named = dict(
        Responsibility.objects.filter(
            path__under=community_path, duty=Duty.GRID_WORKER
        ).values_list("path", "name")
    )
    homes = list(
        Household.objects.filter(path__under=community_path)
        .exclude(status="vacant")
        .values_list("id", "path", "area_id")
    )
    if not homes or not grids:
        return {}
    people: dict[int, list[int]] = defaultdict(list)
    for resident_id, household_id in Resident.objects.filter(
        path__under=community_path, present=True
    ).values_list("id", "household_id"):
        people[household_id].append(resident_id)
    pairs = list(
        Pair.objects.filter(path__under=community_path, ended_on=None).values_list(
            "member_id", "household_id", "kind", "started_on"
        )
    )
    serving = {
        member: (cadre, since)
        for member, cadre, since in Report.objects.filter(
            community_id=community_id, status=ReportState.CONFIRMED
        ).values_list("member_id", "cadre_level", "requested_on")
    }
    users = (
        dict(
            Member.objects.filter(pk__in=list(serving))
            .exclude(user=None)
            .values_list("id", "user_id")
        )
        if serving
        else {}
    )
    wishes = list(
        Wish.objects.filter(
            community_id=community_id, source=WishSource.VISIT, household__isnull=False
        ).values_list("id", "household_id", "published_on")
    )

    # --- Grid workers' accounts ---
    worker_first = ids.take(User, len(grids))
    worker_of: dict[str, int] = {}
    accounts, roles = [], []
    for i, (grid_id, grid_path, grid_code) in enumerate(grids):
        user_id = worker_first + i
        name = workers_named.get(grid_path) or person_name(rng)
        accounts.append((user_id, f"wg{grid_code}", name, "!", grid_path))
        roles.append((user_id, Role.GRID_WORKER, grid_id))
        worker_of[grid_path] = user_id
    fallback = worker_first

    def worker(path: str) -> int:
        return worker_of.get(_grid_of(path), fallback)

    home_of = {h: (p, a) for h, p, a in homes}
    visits: list[tuple] = []

    def visit(
        household, on, kind, visitor, member=None, follow=FollowUp.NONE, wish=None, case=None
    ):
        path, area = home_of[household]
        residents = people.get(household)
        resident = (
            residents[rng.randrange(len(residents))]
            if residents and kind == VisitKind.TALK and rng.random() < 0.5
            else None
        )
        texts = FOUND[kind]
        visits.append(
            (
                household,
                resident,
                area,
                path,
                visitor,
                member,
                on,
                kind,
                texts[rng.randrange(len(texts))],
                follow,
                wish,
                case,
            )
        )

    # --- Care households: the paired difficult households first ---
    wanted = max(1, round(len(homes) * CARE_SHARE))
    paired_difficult = list(dict.fromkeys(h for _m, h, k, _s in pairs if k == PairKind.DIFFICULT))
    rng.shuffle(paired_difficult)
    chosen = paired_difficult[:wanted]
    taken = set(chosen)
    others = [h for h, _p, _a in homes if h not in taken]
    chosen += rng.sample(others, min(len(others), wanted - len(chosen)))
    care_rows, care_first = [], ids.take(CareHousehold, len(chosen))
    cases, helpers, helps = [], [], []
    members_of: dict[int, list[int]] = defaultdict(list)
    for member, household, _kind, _started in pairs:
        if member in serving:
            members_of[household].append(member)
    high_risk = 0
    for i, household in enumerate(chosen):
        path, _area = home_of[household]
        tier = _pick(rng, TIERS)
        reason = (
            CareReason.DIFFICULT
            if household in taken and rng.random() < 0.5
            else _pick(rng, REASONS)
        )
        since = (
            START - timedelta(days=rng.randint(0, 700))
            if rng.random() < 0.7
            else (START + timedelta(days=rng.randint(0, (TODAY - START).days - 30)))
        )
        event_at, event_note = None, ""
        active = rng.random() > 0.02
        high_risk += tier == CareTier.HIGH_RISK
        if tier == CareTier.HIGH_RISK and high_risk % 5 == 1:  # a fifth: the 1st, 6th, …
            kind, event_note = EVENTS[rng.randrange(len(EVENTS))]
            event_day = TODAY - timedelta(days=rng.randint(2, 30))
            event_at = datetime.combine(event_day, time(rng.randint(7, 21)), tzinfo=TZ)
            if rng.random() < 0.7:  # visited within 24 hours
                visit(household, event_day + timedelta(days=rng.randint(0, 1)), kind, worker(path))
        care_rows.append(
            (
                care_first + i,
                household,
                path,
                tier,
                reason,
                "",
                event_at,
                event_note,
                since,
                active,
            )
        )
        # The tier's visits by the grid worker, with gaps.
        compliance = rng.uniform(0.75, 1.0)
        step = tier_days[tier]
        on = max(since, START) + timedelta(days=rng.randint(0, step))
        visitor = worker(path)
        while on < TODAY:
            if rng.random() < compliance:
                visit(household, on, REASON_KIND[reason], visitor)
            on += timedelta(days=max(1, round(step * rng.uniform(0.8, 1.1))))
        # A care case for some households in difficulty.
        if reason in (CareReason.DIFFICULT, CareReason.DISABLED, CareReason.ELDERLY_ALONE) and (
            rng.random() < 0.3
        ):
            case_id = ids.take(CareCase)
            opened = max(since, START) + timedelta(
                days=rng.randint(0, max(1, (TODAY - max(since, START)).days - 1))
            )
            age = (TODAY - opened).days
            state = (
                CaseState.OPEN
                if age < 180
                else _pick(
                    rng, ((CaseState.CLOSED, 70), (CaseState.REVIEW, 10), (CaseState.OPEN, 20))
                )
            )
            closed = (
                opened + timedelta(days=rng.randint(90, max(91, age - 1)))
                if state == CaseState.CLOSED
                else None
            )
            cases.append(
                (
                    case_id,
                    household,
                    path,
                    CASE_TITLES[rng.randrange(len(CASE_TITLES))],
                    "定期走访，协调救助政策，结对党员每月联系。",
                    state,
                    opened,
                    "帮扶目标基本达成。" if closed else "",
                    closed,
                )
            )
            helping = members_of.get(household) or (
                rng.sample(list(serving), min(len(serving), rng.randint(1, 2)))
            )
            helpers.extend((case_id, m) for m in set(helping))
            last = closed or TODAY - timedelta(days=1)
            for _ in range(rng.randint(2, 8)):
                kind, note, values = HELP[rng.randrange(len(HELP))]
                value = Decimal(rng.randint(*values)) if values else None
                helps.append(
                    (
                        case_id,
                        path,
                        kind,
                        value,
                        opened + timedelta(days=rng.randint(0, max(0, (last - opened).days))),
                        "社区党委" if not helping else "结对党员",
                        note,
                    )
                )
            visit(
                household,
                opened,
                REASON_KIND[reason],
                visitor,
                follow=FollowUp.CASE,
                case=case_id,
            )

    # --- In-service members' visits to their paired households ---
    households_of: dict[int, list[int]] = defaultdict(list)
    for member, household, _kind, _started in pairs:
        households_of[member].append(household)
    for member, mine in households_of.items():
        if member not in serving or member not in users:
            return {}
        cadre, since = serving[member]
        compliance = rng.uniform(0.5, 1.0)
        on = max(since, START) + timedelta(days=rng.randint(0, 30))
        n = 0
        while on < TODAY:
            if rng.random() < compliance:
                household = mine[n % len(mine)]
                kind = (
                    VisitKind.DIFFICULT_HOUSEHOLD
                    if household in taken and rng.random() < 0.5
                    else rng.choice((VisitKind.ROUTINE, VisitKind.ROUTINE, VisitKind.TALK))
                )
                visit(household, on, kind, users[member], member=member)
                n += 1
            on = add_months(on, visitor_months[cadre]) - timedelta(days=rng.randint(0, 10))

    # --- The visits that published a micro-wish ---
    for wish_id, household, published in wishes:
        if household in home_of:
            on = max(START, published - timedelta(days=rng.randint(0, 3)))
            visit(
                household,
                on,
                VisitKind.ROUTINE,
                worker(home_of[household][0]),
                follow=FollowUp.WISH,
                wish=wish_id,
            )

    # --- Routine visits, 三必到 and talks to fill up ---
    share = round(share_of_visits * len(homes)) - len(visits)
    span = (TODAY - START).days - 1
    for _ in range(max(0, share)):
        household, path, _area = homes[rng.randrange(len(homes))]
        visit(
            household,
            START + timedelta(days=rng.randint(0, span)),
            _pick(rng, ROUTINE_KINDS),
            worker(path),
        )

    # --- Writes ---
    insert_rows(User, ("id", "username", "full_name", "password", "home_path"), accounts)
    insert_rows(RoleAssignment, ("user_id", "role", "area_id"), roles)
    insert_rows(
        CareHousehold,
        (
            "id",
            "household_id",
            "path",
            "tier",
            "reason",
            "note",
            "event_at",
            "event_note",
            "since",
            "is_active",
        ),
        care_rows,
    )
    insert_rows(
        CareCase,
        (
            "id",
            "household_id",
            "path",
            "title",
            "plan",
            "status",
            "opened_on",
            "review",
            "closed_on",
        ),
        cases,
    )
    insert_rows(CareCase.helpers.through, ("carecase_id", "member_id"), helpers)
    insert_rows(Help, ("case_id", "path", "kind", "value", "given_on", "given_by", "note"), helps)
    insert_rows(Visit, VISIT_FIELDS, visits)
    return {
        "workers": len(accounts),
        "care": len(care_rows),
        "cases": len(cases),
        "help": len(helps),
        "visits": len(visits),
    }
