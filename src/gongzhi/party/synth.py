"""Synthetic party side for benchmarks (``gongzhi synth``): about 6% of residents are
members (1,000,000 residents → 60,000 members), organized as a working committee per
street, a committee per community, a branch and a party group per grid (≈ 3,000
organizations). Rows are made in bulk with the same encryption, hashing and paths as
``party.services.register_member``."""

from datetime import date, timedelta

from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core import pii
from gongzhi.core.names import person_name
from gongzhi.core.pinyin import name_fields

from .choices import Category, Education, MemberStatus, OrgType
from .models import Member, Organization

MEMBER_SHARE = 0.06
CATEGORY_WEIGHTS = {
    Category.SELF_MANAGED: 52,
    Category.RETIRED: 22,
    Category.IN_SERVICE: 15,
    Category.FLOATING: 5,
    Category.POCKET: 4,
    Category.STUDENT: 2,
}
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
    "调解",
    "教育辅导",
    "文艺演出",
    "",
    "",
    "",
]


def synth_id_number(index: int, region: str) -> str:
    """A valid, unique ID number for the ``index``-th synthetic person."""
    birth = date(1940, 1, 1) + timedelta(days=index % 20000)
    first17 = f"{region}{birth:%Y%m%d}{index // 20000 % 1000:03d}"
    return first17 + pii.check_char(first17)


def _orgs(ctx, parent_of, rows):
    """Bulk-create organizations and give each its tree path."""
    orgs = [Organization(**row) for row in rows]
    Organization.objects.bulk_create(orgs, batch_size=2000)
    for org in orgs:
        parent = parent_of(org)
        org.tree_path = f"{parent.tree_path if parent else '/'}{org.pk}/"
    Organization.objects.bulk_update(orgs, ["tree_path"], batch_size=2000)
    return orgs


def synthesize(ctx) -> None:
    with ctx.step("party organizations and members"):
        rng = ctx.rng("party")
        district = ctx.district
        streets = list(Area.objects.filter(parent=district, level=Level.STREET).order_by("code"))
        working = _orgs(
            ctx,
            lambda o: None,
            [
                {
                    "name": f"{s.name}党工委",
                    "org_type": OrgType.WORKING_COMMITTEE,
                    "area": s,
                    "path": s.path,
                    "term_started_on": date(2024, 11, 1),
                    "term_years": 3,
                }
                for s in streets
            ],
        )
        working_by_path = {o.path: o for o in working}
        communities = list(
            Area.objects.filter(path__under=district.path, level=Level.COMMUNITY).order_by("path")
        )
        committees = _orgs(
            ctx,
            lambda o: o.parent,
            [
                {
                    "name": f"{c.name}党委",
                    "org_type": OrgType.COMMITTEE,
                    "area": c,
                    "path": c.path,
                    "parent": working_by_path[c.path[: c.path.rstrip("/").rfind("/") + 1]],
                    "term_started_on": date(2021 + rng.randint(0, 4), rng.randint(1, 12), 1),
                    "term_years": 5,
                }
                for c in communities
            ],
        )
        committee_by_path = {o.path: o for o in committees}
        grids = list(
            Area.objects.filter(path__under=district.path, level=Level.GRID).order_by("path")
        )
        branches = _orgs(
            ctx,
            lambda o: o.parent,
            [
                {
                    "name": f"{g.name}党支部",
                    "org_type": OrgType.GRID_BRANCH,
                    "area": g,
                    "path": g.path,
                    "parent": committee_by_path[g.path[: g.path.rstrip("/").rfind("/") + 1]],
                    "term_started_on": date(2023 + rng.randint(0, 3), rng.randint(1, 12), 1),
                    "term_years": 3,
                }
                for g in grids
            ],
        )
        groups = _orgs(
            ctx,
            lambda o: o.parent,
            [
                {
                    "name": f"{b.name[:-3]}第1党小组",
                    "org_type": OrgType.GROUP,
                    "area_id": b.area_id,
                    "path": b.path,
                    "parent": b,
                }
                for b in branches
            ],
        )
        ctx.count("党组织", len(working) + len(committees) + len(branches) + len(groups))

        region = ctx.district.code[:6]
        households_by_grid: dict[str, list[int]] = {}
        for batch in ctx.iter_households(fields=("id", "path")):
            for household_id, path in batch:
                grid_path = "/".join(path.split("/")[:5]) + "/"
                households_by_grid.setdefault(grid_path, []).append(household_id)
        target = round(ctx.residents * MEMBER_SHARE)
        categories, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())

        def members():
            index = 0
            for branch_index, branch in enumerate(branches):
                share = target // len(branches) + (
                    1 if branch_index < target % len(branches) else 0
                )
                homes = households_by_grid.get(branch.path, [])
                for _ in range(share):
                    number = synth_id_number(index, region)
                    index += 1
                    birth = pii.birth_date(number)
                    admitted = date(birth.year + rng.randint(19, 45), rng.randint(1, 12), 1)
                    admitted = min(admitted, date(2025, 12, 1))
                    probationary = rng.random() < 0.04
                    category = rng.choices(categories, weights)[0]
                    name = person_name(rng)
                    phone = f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}"
                    yield Member(
                        name=name,
                        **name_fields(name),
                        sex=pii.sex(number),
                        birth_date=birth,
                        **Member.id_number_fields(number),
                        phone=phone,
                        phone_tail=phone[-4:],
                        education=rng.choice(Education.values),
                        organization=branch,
                        path=branch.path,
                        status=MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                        category=category,
                        admitted_on=admitted,
                        converted_on=None if probationary else admitted + timedelta(days=365),
                        skills=rng.choice(SKILLS),
                        household_id=rng.choice(homes) if homes else None,
                        last_contact_on=date(2026, 1, 1) - timedelta(days=rng.randint(0, 300)),
                    )

        ctx.count("党员", ctx.bulk_create(Member, members(), batch_size=5000))
