"""Synthetic residents for the bench district (``gongzhi synth``): about 2.5 people in
every occupied household, realistic names with their pinyin initials, valid unique
encrypted ID numbers, phones, care tags, floating population, and the responsibility map
with gaps. Everything in bulk."""

from datetime import date, timedelta

from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core import pii
from gongzhi.core.names import person_name
from gongzhi.core.pinyin import name_fields

from .choices import Duty, PoliticalStatus, Relation
from .demo import CARE_TAGS, ORGANS, ORIGINS
from .models import CareTag, Resident, ResidentTag, Responsibility


def resident_region(district_code: str) -> str:
    """Region code of a synthetic district's residents' ID numbers: the district's code
    minus one (510199 → 510198), so it is not the one of the district's synthetic party
    members, and two synthetic districts never share numbers."""
    return f"{int(district_code[:6]) - 1:06d}"


BATCH = 5000


def _household_people(rng, status) -> list[tuple[str, int, bool]]:
    """(relation, age, floating) of the people of one household."""
    if status == "vacant":
        return []
    if status == "rented":
        return [
            (Relation.HEAD if i == 0 else Relation.TENANT, rng.randint(20, 50), True)
            for i in range(rng.randint(1, 3))
        ]
    kind = rng.random()
    if kind < 0.15:
        return [(Relation.HEAD, rng.randint(70, 92), False)]
    if kind < 0.35:
        return [
            (Relation.HEAD, rng.randint(62, 85), False),
            (Relation.SPOUSE, rng.randint(60, 84), False),
        ]
    people = [
        (Relation.HEAD, rng.randint(30, 58), False),
        (Relation.SPOUSE, rng.randint(28, 56), False),
    ]
    people += [(Relation.CHILD, rng.randint(0, 25), False) for _ in range(rng.choice((0, 1, 1, 2)))]
    if rng.random() < 0.2:
        people.append((Relation.GRANDPARENT, rng.randint(65, 90), False))
    return people


def synthesize(ctx) -> None:
    with ctx.step("residents"):
        rng = ctx.rng("residents")
        today = date(2026, 6, 30)
        tags = {}
        for sort, (name, sensitive) in enumerate(CARE_TAGS):
            tags[name], _ = CareTag.objects.get_or_create(
                name=name, defaults={"sensitive": sensitive, "sort": sort}
            )
        tag_ids = [t.pk for t in tags.values()]
        serials: dict[date, int] = {}
        region = resident_region(ctx.district.code)
        written = tagged = 0
        enc = pii.encrypt
        for rows in ctx.iter_households(fields=("id", "path", "status")):
            residents, wanted_tags = [], []
            for household_id, path, status in rows:
                surname = None
                for relation, age, floating in _household_people(rng, status):
                    name = person_name(rng)
                    if relation == Relation.CHILD and surname:
                        name = surname + name[1:]
                    surname = surname or name[0]
                    birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
                    serial = serials.get(birth, 0)
                    serials[birth] = serial + 1
                    first17 = f"{region}{birth:%Y%m%d}{serial * 2 % 1000 + (0 if rng.random() < 0.5 else 1):03d}"
                    number = first17 + pii.check_char(first17)
                    phone = (
                        f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
                        if age >= 16
                        else ""
                    )
                    residents.append(
                        Resident(
                            household_id=household_id,
                            path=path,
                            name=name,
                            **name_fields(name),
                            id_number_enc=enc(number),
                            id_number_hash=pii.lookup_hash(number),
                            id_head=number[:4],
                            id_tail=number[-4:],
                            sex=pii.sex(number),
                            birth_date=birth,
                            phone=phone,
                            phone_tail=phone[-4:],
                            relation=relation,
                            political_status=PoliticalStatus.MASSES,
                            floating=floating,
                            origin=rng.choice(ORIGINS) if floating else "",
                            registered_here=not floating,
                            moved_in_on=today - timedelta(days=rng.randint(30, 9000)),
                        )
                    )
                    wanted_tags.append(rng.choice(tag_ids) if rng.random() < 0.04 else None)
            Resident.objects.bulk_create(residents, batch_size=BATCH)
            links = [
                ResidentTag(resident_id=r.pk, tag_id=t, set_on=today)
                for r, t in zip(residents, wanted_tags, strict=True)
                if t is not None
            ]
            ResidentTag.objects.bulk_create(links, batch_size=BATCH)
            written += len(residents)
            tagged += len(links)
        ctx.count("居民", written)
        ctx.count("关爱标签", tagged)
    with ctx.step("responsibility map"):
        ctx.count("结对联系", _responsibilities(ctx, rng))


def _members(district) -> list[tuple[int, str]]:
    from gongzhi.party.models import Member

    return list(Member.objects.filter(path__under=district.path).values_list("id", "name")[:50_000])


def link_members(ctx, rng=None) -> int:
    """Link party members to buildings (联系在职党员) once the party step has made them:
    apps synthesize in INSTALLED_APPS order, residents before party."""
    rng = rng or ctx.rng("residents-members")
    if Responsibility.objects.filter(
        path__under=ctx.district.path, duty=Duty.LINKED_MEMBER
    ).exists():
        return 0
    return _responsibilities(ctx, rng, only_members=True)


def _responsibilities(ctx, rng, only_members=False) -> int:
    members = _members(ctx.district)
    if only_members and not members:
        return 0
    links = []
    for area_id, path, level in (
        Area.objects.filter(
            path__under=ctx.district.path,
            level__in=[Level.COMMUNITY, Level.GRID, Level.ESTATE, Level.BUILDING],
        )
        .values_list("id", "path", "level")
        .iterator(chunk_size=5000)
    ):

        def link(duty, name, member_id=None, area_id=area_id, path=path):
            links.append(
                Responsibility(
                    area_id=area_id, path=path, duty=duty, name=name, member_id=member_id
                )
            )

        if level == Level.BUILDING and members:
            for _m in range(rng.choice((0, 1, 2, 2, 3))):
                member_id, name = members[rng.randrange(len(members))]
                link(Duty.LINKED_MEMBER, name, member_id)
        if only_members:
            continue
        if level == Level.COMMUNITY and rng.random() < 0.9:
            link(Duty.LEADER, f"区领导{person_name(rng)}")
        elif level == Level.GRID and rng.random() < 0.95:
            link(Duty.GRID_WORKER, person_name(rng))
        elif level == Level.ESTATE and rng.random() < 0.85:
            link(Duty.ORGAN_UNIT, rng.choice(ORGANS))
        elif level == Level.BUILDING:
            if rng.random() < 0.9:
                link(Duty.BUILDING_HEAD, person_name(rng))
    return ctx.bulk_create(Responsibility, links)
