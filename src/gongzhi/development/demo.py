"""Demo member development for the demo street: in every community a few files at every
stage, dated back from today so that the board shows what is due, due soon and overdue,
one blocked file, one converted member and one ended file. Loads once."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core import pii
from gongzhi.core.names import person_name
from gongzhi.party.choices import BRANCH_TYPES, MemberStatus, Standing
from gongzhi.party.models import Member, Organization
from gongzhi.party.testing import id_number

from . import services
from .choices import EndReason, Step
from .models import DevelopmentFile
from .selectors import voting_members
from .testing import advance


@dataclass(frozen=True)
class Profile:
    """A file: applied ``days_ago``, walked to step ``until`` with the usual gaps."""

    days_ago: int
    until: int
    review_days_ago: int | None = None  # a half-year review this many days ago
    overrides: dict = field(default_factory=dict)
    end: bool = False


# Days from the application with the usual gaps (testing.GAPS): named activist +60,
# development object +60 days + 1 year, branch vote about +501, conversion application
# one year after the vote.
PROFILES = [
    Profile(10, Step.APPLY),  # the talk is due within the month
    Profile(45, Step.APPLY),  # no talk after a month: overdue
    Profile(40, Step.TALK),
    Profile(300, Step.EDUCATE),  # activist for 8 months, never reviewed: overdue
    Profile(200, Step.EDUCATE, review_days_ago=30),
    Profile(440, Step.EDUCATE, review_days_ago=60),  # a year as activist: may become object
    Profile(480, Step.INTRODUCERS),  # development object, political review next
    Profile(520, Step.TRAINING, overrides={10: {"review_passed": False}}),  # blocked
    Profile(581, Step.HIGHER_TALK),  # branch vote 80 days ago: approval due soon
    Profile(601, Step.HIGHER_TALK),  # branch vote 100 days ago: approval overdue
    Profile(150, Step.NAME_ACTIVIST),  # named activist 90 days ago
    Profile(100, Step.FILE_ACTIVIST),
    Profile(700, Step.CONTINUE_EDUCATION),  # probation running
    Profile(876, Step.CONTINUE_EDUCATION),  # probation ended 10 days ago: apply now
    Profile(1000, Step.ARCHIVE),  # converted and archived
    Profile(400, Step.NAME_ACTIVIST, end=True),  # withdrew
]
# How many of the profiles each community gets, so that quotas differ between communities;
# the demo accounts' community (the second) has them all.
PER_COMMUNITY = [7, len(PROFILES), 10, 4]


def load(district_code: str) -> str:
    if DevelopmentFile.objects.filter(path__startswith=f"/{district_code}/").exists():
        return "发展党员的演示数据已存在，未重复加载。"
    count = _load(district_code)
    return f"已加载发展党员的演示数据（{count} 份发展档案）。"


@transaction.atomic
def _load(district_code: str) -> int:
    rng = random.Random(2014)
    today = timezone.localdate()
    actor = User.objects.filter(is_superuser=True).order_by("id").first()
    communities = Area.objects.filter(
        level=Level.COMMUNITY, path__startswith=f"/{district_code}/"
    ).order_by("path")
    count = 0
    serial = 0
    for community, how_many in zip(communities, PER_COMMUNITY, strict=False):
        branches = list(
            Organization.objects.filter(
                path__startswith=community.path, org_type__in=BRANCH_TYPES, is_active=True
            ).order_by("tree_path")
        )
        if not branches:
            continue
        for index, profile in enumerate(PROFILES[:how_many]):
            branch = branches[index % len(branches)]
            applied = today - timedelta(days=profile.days_ago)
            members = _elders(branch, community, applied)
            serial += 1
            number = _free_id_number(rng, applied, serial)
            file = services.open_file(
                actor=actor,
                branch=branch,
                name=person_name(rng),
                id_number=number,
                applied_on=applied,
                phone=f"139{rng.randint(10000000, 99999999)}",
                document="入党申请书",
                responsible="支部书记",
            )
            votes = _votes(rng, branch)
            overrides = {Step.BRANCH_VOTE: votes, Step.CONVERSION_VOTE: votes, **profile.overrides}
            file = advance(file, actor, profile.until, members, overrides)
            if profile.review_days_ago is not None:
                services.record_review(
                    file,
                    actor=actor,
                    on=today - timedelta(days=profile.review_days_ago),
                    reviewer="培养联系人",
                    content="能认真学习党的理论，积极参加社区志愿服务，表现良好。",
                )
            if profile.end:
                services.end_file(
                    file,
                    actor=actor,
                    on=today - timedelta(days=20),
                    reason=EndReason.WITHDREW,
                    note="本人因工作调动撤回申请",
                )
            count += 1
    return count


def _votes(rng, branch) -> dict:
    """A branch meeting's figures from the branch's own full members."""
    entitled = max(voting_members(branch), 3)
    present = max(entitled * 2 // 3, entitled // 2 + 1)
    against = rng.randint(0, 1)
    return {
        "entitled": entitled,
        "present": present,
        "votes_for": present - against,
        "votes_against": against,
    }


def _elders(branch, community, applied: date) -> list[Member]:
    """Two full members of long standing: the contacts and introducers."""
    holding = Member.objects.filter(
        status=MemberStatus.FULL, standing=Standing.ACTIVE, converted_on__lt=applied
    ).order_by("converted_on", "id")
    found = list(holding.filter(organization=branch)[:2])
    if len(found) < 2:
        found = list(holding.filter(path__startswith=community.path)[:2])
    return found


def _free_id_number(rng, applied: date, serial: int) -> str:
    """An ID number of someone 20–35 on the day of application, not in the registry."""
    while True:
        age = rng.randint(20, 35)
        birth = date(applied.year - age, rng.randint(1, 12), rng.randint(1, 28))
        number = id_number(birth, 50 + serial % 50, female=rng.random() < 0.5)
        digest = pii.lookup_hash(number)
        taken = Member.objects.filter(id_number_hash=digest).exists()
        if not taken and not DevelopmentFile.objects.filter(id_number_hash=digest).exists():
            return number
