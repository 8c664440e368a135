"""Demo volunteers, teams, posts and a certificate for the demo street (ledger part).

Per community of the demo street: the first in-service members of its joint branch
(registered through ``volunteers.for_member`` when the reports demo confirmed their
report, else in the community of their branch), a few present residents registered by
the community, with skills and hobbies from a small talent pool; two teams (a leader
each, matched members added) and four posts, one of them for in-service members only.

The ledgers' lines of this year come from the activities demo (check-in/out, make-up
entries), which runs after this one. Last year's service is entered here as approved
make-up lines of a few volunteers (the records kept before the platform), so that star
levels and a certificate (和顺社区, for last year) show from the start.

Call ``load(today)`` after ``demo_reports.load(today)``; it loads once."""

import random
from datetime import date
from decimal import Decimal

from django.db import transaction

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.party.choices import HOLDING, Category
from gongzhi.party.models import Member
from gongzhi.residents.models import Resident

from . import certificates, teams, volunteers
from .choices import HoursSource, HoursState, ReportState
from .models import Hours, Report, Volunteer

MEMBERS_PER_COMMUNITY = 12
RESIDENTS_PER_COMMUNITY = 6
TALENTS = [
    ("理发、按摩", "唱歌"),
    ("家电维修、电脑维修", "下棋"),
    ("法律咨询", "阅读"),
    ("医疗护理", "太极"),
    ("心理疏导", "旅游"),
    ("书法、绘画", "书法"),
    ("烹饪", "广场舞"),
    ("摄影", "摄影"),
    ("教育辅导", "阅读"),
    ("水电维修", "钓鱼"),
]
TEAMS = [
    ("红色先锋志愿服务队", "家电维修、水电维修、理发", "在职党员为主，开展便民服务。"),
    ("银龄关爱志愿服务队", "医疗护理、心理疏导、陪伴", "关爱独居和高龄老人。"),
]
POSTS = [
    ("便民理发岗", 0, "理发、按摩", True),
    ("家电维修岗", 0, "家电维修、电脑维修、水电维修", True),
    ("法律咨询岗", None, "法律咨询", False),
    ("助老陪伴岗", 1, "医疗护理、心理疏导、陪伴", True),
]


def load(today: date) -> str:
    street = Area.objects.filter(level=Level.STREET).order_by("path").first()
    if street is None:
        return "尚无街道，未加载志愿者的演示数据。"
    if Volunteer.objects.filter(path__startswith=street.path).exists():
        return "志愿者的演示数据已存在，未重复加载。"
    counts = _load(street, today)
    return "已加载志愿者的演示数据（{} 名志愿者，{} 支服务队，{} 个服务岗位）。".format(*counts)


@transaction.atomic
def _load(street: Area, today: date) -> tuple[int, int, int]:
    rng = random.Random(2026_12_05)  # noqa: S311 (demo data, not security)
    root = User.objects.filter(is_superuser=True).order_by("id").first()
    assert root is not None, "the demo needs its system administrator"
    communities = list(Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code"))
    n_volunteers = n_teams = n_posts = 0
    certified = None
    for community in communities:
        members = _member_volunteers(community, today, rng, root)
        residents = _resident_volunteers(community, today, rng, root)
        n_volunteers += len(members) + len(residents)
        made = []
        for i, (name, skills, description) in enumerate(TEAMS):
            leaders = members if i == 0 else residents or members
            team = teams.save_team(
                actor=root,
                community=community,
                name=f"{community.name}{name}",
                leader=leaders[0] if leaders else None,
                skills=skills,
                description=description,
            )
            made.append(team)
        n_teams += len(made)
        for name, team_index, skills, open_to_residents in POSTS:
            post = teams.save_post(
                actor=root,
                community=community,
                name=name,
                team=made[team_index] if team_index is not None else None,
                skills=skills,
                description=f"{community.name}{name}：按需服务居民。",
                open_to_residents=open_to_residents,
            )
            n_posts += 1
            if post.team is not None:  # the best two local candidates join its team
                for candidate in teams.match(root, post)[:4]:
                    if candidate.local and not candidate.in_team:
                        teams.add_member(post.team, candidate.volunteer, actor=root)
        focus = community.name == "和顺社区"
        veterans = (members[:3] + residents[:2]) if focus else members[:2]
        for volunteer in veterans:
            _last_year(volunteer, today, rng, root)
        if veterans and (certified is None or focus):
            certified = veterans[0]
    if certified is not None:
        certificates.issue(
            actor=root,
            volunteer=certified,
            period_from=date(today.year - 1, 1, 1),
            period_to=date(today.year - 1, 12, 31),
        )
    return n_volunteers, n_teams, n_posts


def _member_volunteers(community: Area, today: date, rng, root: User) -> list[Volunteer]:
    reported = set(
        Report.objects.filter(community=community, status=ReportState.CONFIRMED).values_list(
            "member_id", flat=True
        )
    )
    members = list(
        Member.objects.filter(
            category=Category.IN_SERVICE,
            standing__in=HOLDING,
            organization__path__startswith=community.path,
        ).order_by("pk")[:MEMBERS_PER_COMMUNITY]
    )
    # Members with a report to this community first (the demo account ``zaizhi`` too).
    members.sort(key=lambda m: (m.pk not in reported, m.pk))
    found = []
    for member in members:
        skills, hobbies = rng.choice(TALENTS)
        if member.pk in reported:
            volunteer = volunteers.for_member(member, on=today, actor=root)
        else:
            volunteer = Volunteer.objects.create(
                community=community,
                path=community.path,
                name=member.name,
                phone=member.phone,
                member=member,
                user=member.user,
                joined_on=today,
            )
        volunteer.skills = volunteer.skills or skills
        volunteer.hobbies = volunteer.hobbies or hobbies
        volunteer.save(update_fields=["skills", "hobbies"])
        found.append(volunteer)
    return found


def _resident_volunteers(community: Area, today: date, rng, root: User) -> list[Volunteer]:
    found = []
    rows = Resident.objects.filter(
        path__startswith=community.path, present=True, volunteer__isnull=True
    ).order_by("pk")
    for resident in rows[:RESIDENTS_PER_COMMUNITY]:
        skills, hobbies = rng.choice(TALENTS)
        found.append(
            volunteers.register_resident(
                actor=root, resident=resident, skills=skills, hobbies=hobbies, on=today
            )
        )
    return found


def _last_year(volunteer: Volunteer, today: date, rng, root: User) -> None:
    """Last year's service, entered as approved make-up lines (records kept on paper)."""
    year = today.year - 1
    for month in sorted(rng.sample(range(1, 13), 6)):
        Hours.objects.create(
            volunteer=volunteer,
            path=volunteer.path,
            served_on=date(year, month, rng.randint(1, 28)),
            hours=Decimal(rng.choice(["2", "3", "3.5", "4"])),
            source=HoursSource.MANUAL,
            status=HoursState.APPROVED,
            description="社区志愿服务（纸质台账补录）",
            reason="平台启用前的纸质记录",
            created_by=root,
            decided_by=root,
        )
