"""Demo party side for the demo street: ~1,500 members of every category in a realistic
organization tree, committees, two-committee rosters and transfers. Loads once."""

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core.calendar import add_months
from gongzhi.core.names import person_name

from . import services
from .choices import Category, CommitteePost, Education, MemberStatus, OrgType, ResidentsPost
from .models import Organization
from .testing import id_number

EMPLOYERS = [
    ("区教育局", "区教育局机关党委"),
    ("区卫生健康局", "区卫健局机关党支部"),
    ("区税务局", "区税务局机关党委"),
    ("区人民法院", "区法院机关党委"),
    ("四川某能源集团", "集团公司党委"),
    ("市第三人民医院", "医院党委"),
    ("某银行支行", "支行党支部"),
]
SKILLS = [
    "法律咨询",
    "义诊",
    "理发",
    "家电维修",
    "书法",
    "心理疏导",
    "财会",
    "摄影",
    "电脑维修",
    "文艺演出",
    "垃圾分类宣传",
    "调解",
    "教育辅导",
    "厨艺",
    "",
]
TERMS = {1: date(2024, 1, 10), 2: None, 3: date(2021, 6, 30), 4: date(2023, 3, 1)}


def load(district_code: str) -> str:
    if Organization.objects.filter(path__startswith=f"/{district_code}/").exists():
        return "党组织与党员的演示数据已存在，未重复加载。"
    count = _load(district_code)
    return f"已加载党组织与党员的演示数据（{count} 名党员）。"


@transaction.atomic
def _load(district_code: str) -> int:
    rng = random.Random(1921)
    today = timezone.localdate()
    actor = User.objects.filter(is_superuser=True).order_by("id").first()
    street = (
        Area.objects.filter(level=Level.STREET, path__startswith=f"/{district_code}/")
        .order_by("path")
        .first()
    )
    org = lambda parent, name, kind, area, **kw: services.create_organization(  # noqa: E731
        actor=actor, parent=parent, name=name, org_type=kind, area=area, **kw
    )
    working = org(
        None,
        f"{street.name}党工委",
        OrgType.WORKING_COMMITTEE,
        street,
        founded_on=date(2002, 7, 1),
        term_started_on=date(2024, 11, 1),
    )
    serial = 0
    members = 0
    communities = Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code")
    for index, community in enumerate(communities, start=1):
        # 和顺社区 (the second) is due for re-election within 90 days of today.
        started = TERMS.get(index) or add_months(today, -60) + timedelta(days=40)
        committee = org(
            working,
            f"{community.name}党委",
            OrgType.COMMITTEE,
            community,
            founded_on=date(2003, 3, 1),
            term_started_on=started,
        )
        grids = list(community.children.filter(level=Level.GRID).order_by("code"))
        households = list(
            Household.objects.filter(path__startswith=community.path).order_by("?")[:400]
        )
        branches = []
        for grid in grids:
            branch = org(
                committee,
                f"{community.name}{grid.name}党支部",
                OrgType.GRID_BRANCH,
                grid,
                founded_on=date(2018, 7, 1),
                term_started_on=date(2024, 6, 1),
            )
            for g in (1, 2):
                org(branch, f"{grid.name}第{g}党小组", OrgType.GROUP, grid)
            branches.append((branch, 48, "grid"))
        for n in (1, 2):
            branch = org(
                committee,
                f"{community.name}离退休第{n}党支部",
                OrgType.BRANCH,
                community,
                term_started_on=date(2024, 9, 1),
            )
            branches.append((branch, 48, "retired"))
        joint = org(
            committee,
            f"{community.name}在职党员联合党支部",
            OrgType.JOINT_BRANCH,
            community,
            term_started_on=date(2024, 3, 1),
        )
        branches.append((joint, 90, "in_service"))
        estate = grids[0].children.order_by("code").first()
        courtyard = org(
            committee,
            f"{estate.name}楼院党支部",
            OrgType.COURTYARD_BRANCH,
            estate,
            term_started_on=date(2025, 5, 1),
        )
        branches.append((courtyard, 20, "grid"))

        for branch, size, kind in branches:
            seated = []
            for _ in range(size):
                serial += 1
                member = _member(rng, actor, branch, kind, serial, today, households)
                members += 1
                if (
                    member.status == MemberStatus.FULL
                    and len(seated) < 3
                    and member.category != Category.POCKET
                ):
                    seated.append(member)
            # One retired branch is left without a committee to show the warning.
            if not (kind == "retired" and branch.name.endswith("第2党支部") and index == 2):
                posts = [
                    CommitteePost.SECRETARY,
                    CommitteePost.ORGANIZATION,
                    CommitteePost.PUBLICITY,
                ]
                for member, post in zip(seated, posts, strict=False):
                    services.add_seat(
                        actor=actor,
                        organization=branch,
                        member=member,
                        post=post,
                        started_on=branch.term_started_on or date(2024, 1, 1),
                    )
        _cadres(rng, actor, community, index, today)
        _transfers(actor, branches, today, index)
    return members


def _member(rng, actor, branch, kind, serial, today, households):
    age = rng.randint(62, 88) if kind == "retired" else rng.randint(23, 60)
    birth = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    if kind == "retired":
        category = Category.RETIRED
    elif kind == "in_service":
        category = Category.IN_SERVICE
    else:
        category = rng.choices(
            [Category.SELF_MANAGED, Category.FLOATING, Category.STUDENT, Category.POCKET],
            weights=[82, 9, 3, 6],
        )[0]
    if category == Category.STUDENT:
        birth = date(today.year - rng.randint(19, 24), rng.randint(1, 12), rng.randint(1, 28))
    applied = date(
        birth.year + rng.randint(18, 22 if category == Category.STUDENT else 35),
        rng.randint(1, 12),
        1,
    )
    applied = min(applied, today - timedelta(days=800))
    # Full members were converted (a year after admission) by today.
    admitted = min(applied + timedelta(days=rng.randint(400, 900)), today - timedelta(days=370))
    probationary = rng.random() < 0.05 or category == Category.STUDENT and rng.random() < 0.5
    if probationary:
        admitted = today - timedelta(days=rng.randint(30, 330))
        applied = min(applied, admitted - timedelta(days=400))
    profile = {
        "phone": f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        "education": rng.choice(list(Education.values)),
        "skills": rng.choice(SKILLS),
        "household": rng.choice(households)
        if households and category != Category.IN_SERVICE
        else None,
    }
    if category == Category.IN_SERVICE:
        employer, employer_org = rng.choice(EMPLOYERS)
        profile.update(
            employer=employer,
            employer_org=employer_org,
            job=rng.choice(["科员", "教师", "医生", "工程师", "干部"]),
        )
    if category == Category.FLOATING:
        profile["floating_whereabouts"] = rng.choice(
            ["广东省深圳市", "浙江省杭州市", "新疆乌鲁木齐市", "上海市浦东新区"]
        )
    contact = today - timedelta(days=rng.randint(10, 280 if category == Category.FLOATING else 120))
    return services.register_member(
        actor=actor,
        organization=branch,
        name=person_name(rng),
        id_number=id_number(birth, serial),
        status=MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
        category=category,
        applied_on=applied if applied >= date(birth.year + 18, birth.month, birth.day) else None,
        admitted_on=admitted,
        converted_on=None if probationary else admitted + timedelta(days=365),
        on=contact,
        **profile,
    )


def _cadres(rng, actor, community, index, today):
    """Seven two-committee members; 芳草社区 (the fourth) has nobody under 35."""
    roster = [
        (CommitteePost.SECRETARY, ResidentsPost.DIRECTOR, 48),
        (CommitteePost.DEPUTY_SECRETARY, "", 41),
        (CommitteePost.ORGANIZATION, ResidentsPost.MEMBER, 38),
        (CommitteePost.PUBLICITY, "", 44),
        (CommitteePost.DISCIPLINE, ResidentsPost.MEMBER, 52),
        ("", ResidentsPost.DEPUTY_DIRECTOR, 29),
        ("", ResidentsPost.MEMBER, 31),
    ]
    for party_post, residents_post, age in roster:
        if index == 4:
            age = max(age, 36)
        services.save_cadre(
            actor=actor,
            community=community,
            name=person_name(rng),
            birth_date=date(today.year - age, rng.randint(1, 12), rng.randint(1, 28)),
            education=rng.choice([Education.BACHELOR, Education.COLLEGE, Education.SECONDARY]),
            party_post=party_post,
            residents_post=residents_post,
            is_full_time=True,
            started_on=date(2021, 12, 1),
        )


def _transfers(actor, branches, today, index):
    """An internal transfer under way, an overdue letter, and one member transferred out."""
    grid_a, grid_b = branches[0][0], branches[1][0]
    candidates = list(grid_a.members.filter(category=Category.SELF_MANAGED)[:3])
    if len(candidates) < 3:
        return
    services.send_transfer(
        candidates[0],
        actor=actor,
        to_org=grid_b,
        letter_no=f"锦组转〔{today.year}〕{index}01号",
        issued_on=today - timedelta(days=10),
        reason="居住地变动",
    )
    services.send_transfer(
        candidates[1],
        actor=actor,
        to_org=grid_b,
        letter_no=f"锦组转〔{today.year}〕{index}02号",
        issued_on=add_months(today, -4),
        reason="居住地变动",
    )
    out = services.send_transfer(
        candidates[2],
        actor=actor,
        external_org="北京市海淀区某街道党工委",
        letter_no=f"锦组转〔{today.year}〕{index}03号",
        issued_on=today - timedelta(days=40),
        reason="工作调动",
    )
    services.confirm_transfer(out, actor=actor, version=out.version, on=today - timedelta(days=20))
