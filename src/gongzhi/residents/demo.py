"""Demo residents for the demo street: a family in every occupied household (heads,
spouses, children, grandparents), tenants from elsewhere in rented flats, care tags,
party members living at home linked to their records, the responsibility map with a few
deliberate gaps, and grid polygons so the map draws. Loads once, in bulk."""

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.choices import HouseholdStatus, Level
from gongzhi.areas.models import Area, Household
from gongzhi.core import pii
from gongzhi.core.names import person_name

from . import services
from .choices import Duty, PermitStatus, PoliticalStatus, Relation
from .models import CareTag, Resident, Responsibility

# SPEC.md M1: the care tags (残疾人 and 重点人员 are sensitive personal information).
CARE_TAGS = [
    ("困难党员", False),
    ("老党员", False),
    ("留守儿童", False),
    ("孤寡老人", False),
    ("空巢老人", False),
    ("残疾人", True),
    ("低保户", False),
    ("五保户", False),
    ("困难家庭", False),
    ("重点人员", True),
]
ORIGINS = [
    "四川省南充市",
    "四川省达州市",
    "重庆市万州区",
    "四川省绵阳市",
    "贵州省遵义市",
    "湖北省恩施州",
]
WORKPLACES = [
    "四川大学",
    "华西医院",
    "武侯区实验小学",
    "某科技公司",
    "某物流公司",
    "个体经营",
    "退休",
]
ORGANS = ["区教育局", "区卫生健康局", "区税务局", "区人民法院", "区住建局", "区民政局"]
# Region code of the residents' ID numbers: 锦江区, so they never meet the demo party
# members' (510107) except where a member is deliberately registered as a resident.
REGION = "510104"
# The demo street's rough place on the map (武侯区), for the generated grid polygons.
ORIGIN_LON, ORIGIN_LAT = 104.030, 30.620


def load(district_code: str) -> str:
    if Resident.objects.filter(path__startswith=f"/{district_code}/").exists():
        return "居民与网格的演示数据已存在，未重复加载。"
    count = _load(district_code)
    return f"已加载居民与网格的演示数据（{count} 名居民）。"


class _Ids:
    """Valid, unique ID numbers of people born on given days."""

    def __init__(self):
        self.used: dict[date, int] = {}

    def make(self, birth: date, female: bool) -> str:
        n = self.used.get(birth, 0)
        self.used[birth] = n + 1
        seq = n * 2 + (0 if female else 1)
        first17 = f"{REGION}{birth:%Y%m%d}{seq:03d}"
        return first17 + pii.check_char(first17)


def _birth(rng, today, age_from, age_to) -> date:
    return today - timedelta(days=rng.randint(age_from * 365 + 1, age_to * 365 + 300))


def _phone(rng) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


@transaction.atomic
def _load(district_code: str) -> int:
    rng = random.Random(2027)
    today = timezone.localdate()
    actor = User.objects.get(username="quadmin")
    tags = {}
    for sort, (name, sensitive) in enumerate(CARE_TAGS):
        tag = CareTag.objects.filter(name=name).first() or services.save_care_tag(
            actor=actor, name=name, sensitive=sensitive, sort=sort
        )
        tags[name] = tag
    prefix = f"/{district_code}/"
    households = list(
        Household.objects.filter(path__startswith=prefix).select_related("area").order_by("path")
    )
    ids = _Ids()
    rows: list[services.ResidentRow] = []
    members = _members_at_home(prefix)

    def add(household, name, birth, female, relation, tag_names=(), **profile):
        rows.append(
            services.ResidentRow(
                ref=len(rows) + 1,
                name=name,
                id_number=ids.make(birth, female),
                relation=relation,
                household=household,
                profile={"moved_in_on": birth if birth > date(2005, 1, 1) else None, **profile},
                tags=tuple(tag_names),
            )
        )

    rented = []
    for household in households:
        if household.pk in members:
            for i, member in enumerate(members.pop(household.pk)):
                rows.append(
                    services.ResidentRow(
                        ref=len(rows) + 1,
                        name=member.name,
                        id_number=member.id_number_full(),
                        relation=Relation.OTHER if i else Relation.HEAD,
                        household=household,
                        profile={"phone": member.phone or _phone(rng)},
                        tags=("老党员",) if member.birth_date.year < 1956 else (),
                    )
                )
            continue
        if household.status == HouseholdStatus.VACANT:
            continue
        if household.status == HouseholdStatus.RENTED:
            rented.append((household, len(rows)))
            for i in range(rng.randint(1, 3)):
                birth = _birth(rng, today, 20, 45)
                add(
                    household,
                    person_name(rng),
                    birth,
                    rng.random() < 0.5,
                    Relation.TENANT if i else Relation.HEAD,
                    floating=True,
                    origin=rng.choice(ORIGINS),
                    arrived_on=today - timedelta(days=rng.randint(30, 2000)),
                    permit=rng.choice(list(PermitStatus.values)),
                    registered_here=False,
                    phone=_phone(rng),
                    work_or_school=rng.choice(WORKPLACES[:6]),
                )
            continue
        kind = rng.random()
        surname_name = person_name(rng)
        if kind < 0.12:  # an elderly person alone
            female = rng.random() < 0.6
            add(
                household,
                surname_name,
                _birth(rng, today, 72, 92),
                female,
                Relation.HEAD,
                [rng.choice(["孤寡老人", "空巢老人"])]
                + (["残疾人"] if rng.random() < 0.15 else []),
                phone=_phone(rng),
                work_or_school="退休",
            )
        elif kind < 0.3:  # an elderly couple
            add(
                household,
                surname_name,
                _birth(rng, today, 65, 85),
                False,
                Relation.HEAD,
                ["空巢老人"],
                phone=_phone(rng),
                work_or_school="退休",
            )
            add(
                household,
                person_name(rng),
                _birth(rng, today, 63, 83),
                True,
                Relation.SPOUSE,
                work_or_school="退休",
            )
        else:  # a family: parents, one or two children, sometimes a grandparent
            surname = surname_name[0]
            poor = rng.random() < 0.05
            head_tags = ["低保户"] if poor else []
            if rng.random() < 0.01:
                head_tags.append("重点人员")
            add(
                household,
                surname_name,
                _birth(rng, today, 30, 55),
                False,
                Relation.HEAD,
                head_tags,
                phone=_phone(rng),
                work_or_school=rng.choice(WORKPLACES[:6]),
                political_status=PoliticalStatus.MASSES,
            )
            add(
                household,
                person_name(rng),
                _birth(rng, today, 28, 53),
                True,
                Relation.SPOUSE,
                ["困难家庭"] if poor else [],
                phone=_phone(rng),
                work_or_school=rng.choice(WORKPLACES[:6]),
            )
            for _c in range(rng.choice([1, 1, 2])):
                age = rng.randint(1, 24)
                child_tags = ["留守儿童"] if age < 14 and rng.random() < 0.04 else []
                add(
                    household,
                    surname + person_name(rng)[1:],
                    _birth(rng, today, age, age),
                    rng.random() < 0.5,
                    Relation.CHILD,
                    child_tags,
                    work_or_school="武侯区实验小学" if age < 13 else "",
                    political_status=PoliticalStatus.LEAGUE
                    if 14 <= age <= 24 and rng.random() < 0.4
                    else PoliticalStatus.MASSES,
                )
            if rng.random() < 0.25:
                add(
                    household,
                    person_name(rng),
                    _birth(rng, today, 68, 88),
                    rng.random() < 0.6,
                    Relation.GRANDPARENT,
                    work_or_school="退休",
                )
    outcome = services.register_residents(
        rows, actor=actor, on=today, audit_data={"source": "demo"}
    )
    if outcome.errors:
        raise RuntimeError(f"demo residents refused: {outcome.errors[:3]}")
    _rentals(rng, actor, rented, today)
    _responsibilities(rng, actor, prefix)
    _polygons(actor, prefix)
    return outcome.written


def _members_at_home(prefix: str) -> dict:
    """Demo party members who live in a demo household (not in-service members, who are
    linked to the community through their unit): about one in three is registered as a
    resident with the same ID number, so register_residents links the records."""
    from gongzhi.party.models import Member

    found: dict[int, list] = {}
    members = Member.objects.filter(household__path__startswith=prefix, standing="active").order_by(
        "pk"
    )
    for i, member in enumerate(members):
        if i % 3 == 0 and member.household_id not in found:
            found[member.household_id] = [member]
    return found


def _rentals(rng, actor, rented, today):
    for household, _first in rented:
        tenants = list(Resident.objects.filter(household=household, floating=True))
        services.save_rental(
            actor=actor,
            household=household,
            landlord_name=person_name(rng),
            landlord_phone=_phone(rng),
            starts_on=today - timedelta(days=rng.randint(30, 700)),
            ends_on=today + timedelta(days=rng.randint(30, 365)) if rng.random() < 0.8 else None,
            tenants=tenants,
        )


def _responsibilities(rng, actor, prefix):
    """结对联系三必有 with gaps: one grid without a worker, some buildings without a head
    or with too few linked members, a courtyard without a unit, a community without a
    leader."""
    from gongzhi.party.choices import Category
    from gongzhi.party.models import Member

    in_service = list(
        Member.objects.filter(path__startswith=prefix, category=Category.IN_SERVICE)[:400]
    ) or list(Member.objects.filter(path__startswith=prefix)[:400])
    areas = Area.objects.filter(path__startswith=prefix).order_by("path")
    grids_seen = 0
    for area in areas:
        if area.level == Level.COMMUNITY and not area.code.endswith("004"):
            services.set_responsibility(
                actor=actor,
                area=area,
                duty=Duty.LEADER,
                name=f"区领导{person_name(rng)}",
                phone=_phone(rng),
            )
        elif area.level == Level.GRID:
            grids_seen += 1
            if grids_seen != 5:
                services.set_responsibility(
                    actor=actor,
                    area=area,
                    duty=Duty.GRID_WORKER,
                    name=person_name(rng),
                    phone=_phone(rng),
                )
        elif area.level == Level.ESTATE and rng.random() < 0.85:
            services.set_responsibility(
                actor=actor, area=area, duty=Duty.ORGAN_UNIT, name=rng.choice(ORGANS)
            )
        elif area.level == Level.BUILDING:
            if rng.random() < 0.85:
                services.set_responsibility(
                    actor=actor,
                    area=area,
                    duty=Duty.BUILDING_HEAD,
                    name=person_name(rng),
                    phone=_phone(rng),
                )
            for _m in range(rng.choice([0, 1, 2, 2, 2, 3])):
                if in_service:
                    member = in_service.pop(rng.randrange(len(in_service)))
                    services.set_responsibility(
                        actor=actor,
                        area=area,
                        duty=Duty.LINKED_MEMBER,
                        name=member.name,
                        phone=member.phone,
                        member=member,
                    )
    return Responsibility.objects.filter(path__startswith=prefix).count()


def _jagged(rng, start, end, steps, wobble, axis):
    """A boundary from ``start`` to ``end`` through ``steps`` inner points, each moved
    by up to ``wobble`` across the line (``axis`` 0: moved in x, 1: in y)."""
    points = [start]
    for i in range(1, steps + 1):
        t = i / (steps + 1)
        point = [start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t]
        point[axis] += rng.uniform(-wobble, wobble)
        points.append(point)
    points.append(end)
    return points


def grid_polygons(seed, left, bottom, width, height, count):
    """``count`` grids tiling a community's rectangle, as closed rings of [lon, lat]:
    the first grid a strip on the left, the others stacked on the right, all borders
    jagged as streets and walls run, the sizes unequal. Deterministic for a ``seed``;
    neighbours share their border exactly, so no two grids overlap."""
    rng = random.Random(seed)
    right, top = left + width, bottom + height
    if count == 1:
        return [_ring([[left, bottom], [right, bottom], [right, top], [left, top]])]
    # The left strip's border: a jagged line from the bottom edge to the top edge.
    steps = max(3, 2 * count)
    cut = left + width * rng.uniform(0.35, 0.5)
    spine = _jagged(rng, [cut, bottom], [cut, top], steps, width * 0.05, 0)
    rings = [_ring([[left, bottom], *spine, [left, top]])]
    # The right part: count - 1 grids between jagged lines from the spine to the right
    # edge, each starting at a point of the spine (so that the borders meet exactly).
    stacked = count - 1
    shares = [rng.uniform(0.7, 1.3) for _i in range(stacked)]
    joints, total, acc = [0], sum(shares), 0.0
    for share in shares[:-1]:
        acc += share
        joints.append(min(steps, max(joints[-1] + 1, round(acc / total * (steps + 1)))))
    joints.append(steps + 1)
    lines = [_jagged(rng, spine[0], [right, bottom], 0, 0, 1)]
    for j in joints[1:-1]:
        gap = height / (steps + 1) * 0.3  # keeps neighbouring lines apart
        lines.append(_jagged(rng, spine[j], [right, spine[j][1]], 3, gap, 1))
    lines.append(_jagged(rng, spine[-1], [right, top], 0, 0, 1))
    for k in range(stacked):
        lower, upper = lines[k], lines[k + 1]
        side = spine[joints[k] : joints[k + 1] + 1]
        rings.append(_ring([*lower, *reversed(upper), *reversed(side[1:-1])]))
    return rings


def _ring(points):
    ring = [[round(x, 6), round(y, 6)] for x, y in points]
    return [*ring, ring[0]]


def _polygons(actor, prefix):
    """Each community a rectangle (about 600 m × 500 m, tiled two by two), its grids
    tiling it with jagged borders and unequal sizes (grid_polygons)."""
    width, height = 0.006, 0.0045
    communities = Area.objects.filter(path__startswith=prefix, level=Level.COMMUNITY).order_by(
        "code"
    )
    for index, community in enumerate(communities):
        left = ORIGIN_LON + (index % 2) * width
        bottom = ORIGIN_LAT - (index // 2) * height
        grids = list(community.children.filter(level=Level.GRID).order_by("code"))
        rings = grid_polygons(community.code, left, bottom, width, height, len(grids))
        for grid, ring in zip(grids, rings, strict=True):
            services.set_grid_geometry(
                grid, actor=actor, geometry={"type": "Polygon", "coordinates": [ring]}
            )
