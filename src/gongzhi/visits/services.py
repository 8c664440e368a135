"""Writes of visit records (民情走访): record a visit with its photos, and turn it into a
demand in one step. Care cases are in ``cases.py``.

A grid worker records visits in their grid (``RECORD`` by place); an in-service member
whose only ``RECORD`` there is their in-service role records visits only to the
households paired with them (``service.Pair``, live), as themselves (``member`` is their
party record)."""

from collections.abc import Sequence
from datetime import date
from typing import IO, Any

from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role, grants
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.attachments import services as attachments
from gongzhi.attachments.choices import Kind
from gongzhi.core import audit
from gongzhi.core.calendar import require_happened
from gongzhi.core.errors import Problems, RuleViolation
from gongzhi.core.services import atomic, lock, require
from gongzhi.demands.choices import Channel, RequesterKind
from gongzhi.demands.models import Demand
from gongzhi.demands.services import create_demand
from gongzhi.party.models import Member
from gongzhi.residents.models import Resident
from gongzhi.service.models import Pair

from .choices import FollowUp, VisitKind
from .models import Visit
from .permissions import RECORD

FOUND_MAX = 2000


def pairs_only(actor: User, path: str) -> bool:
    """Whether ``actor`` records visits at ``path`` only as an in-service member: every
    role of theirs granting ``RECORD`` there is the in-service member's (a superuser or a
    grid worker records anywhere in their scope)."""
    if actor.is_superuser:
        return False
    table = grants()
    covering = [
        role
        for role, where in actor.role_grants
        if RECORD in table.get(role, ()) and path.startswith(where)
    ]
    return bool(covering) and all(role == Role.INSERVICE_MEMBER for role in covering)


def member_of(user: User) -> Member | None:
    """The party record of a signed-in user, if they have one."""
    try:
        return user.party_member
    except Member.DoesNotExist:
        return None


def is_paired(member: Member, household: Household) -> bool:
    return Pair.objects.filter(member=member, household=household, ended_on__isnull=True).exists()


def _place(
    household: Household | None, resident: Resident | None, area: Area | None, problems: Problems
) -> tuple[Household | None, Area | None]:
    """The household and area a visit belongs to (a resident's household when only the
    person is named); refusals gathered in ``problems``."""
    if resident is not None:
        if household is None:
            household = resident.household
        elif resident.household_id != household.pk:
            problems.add(RuleViolation(_("所选走访对象不是该户的居民。"), field="resident"))
    if household is not None:
        return household, household.area
    if area is None:
        problems.add(RuleViolation(_("请选择走访户。"), field="household"))
    return None, area


@atomic
def record_visit(
    *,
    actor: User,
    visited_on: date | None,
    kind: str,
    found: str,
    household: Household | None = None,
    resident: Resident | None = None,
    area: Area | None = None,
    member: Member | None = None,
    photos: Sequence[IO[bytes]] = (),
) -> Visit:
    """Record a visit to a household (or a person, or a place): when, why, what was found,
    with its photos (checked by content, EXIF stripped; all kept or none). Every refusal
    of the input at once, each naming its field."""
    problems = Problems()
    household, place = _place(household, resident, area, problems)
    if place is not None:
        require(actor, RECORD, household or place)
    if visited_on is None:
        problems.add(RuleViolation(_("请填写走访日期。"), field="visited_on"))
    else:
        with problems.check():
            require_happened(visited_on, field="visited_on")
    if kind not in VisitKind.values:
        problems.add(RuleViolation(_("请选择走访类型。"), field="kind"))
    found = (found or "").strip()
    if not found:
        problems.add(RuleViolation(_("请填写了解到的情况。"), field="found"))
    elif len(found) > FOUND_MAX:
        problems.add(
            RuleViolation(_("了解情况不能超过%(n)d个字。") % {"n": FOUND_MAX}, field="found")
        )
    own = member_of(actor)
    if place is not None and pairs_only(actor, (household or place).path):
        member = own
        if member is None:
            problems.add(
                RuleViolation(_("您的账号未关联党员档案，不能登记走访。"), field="household")
            )
        elif household is None or not is_paired(member, household):
            problems.add(
                RuleViolation(_("在职党员只能走访与本人结对联系的住户。"), field="household")
            )
    problems.raise_any()
    assert place is not None and visited_on is not None
    visit = Visit.objects.create(
        household=household,
        resident=resident,
        area=place,
        path=household.path if household else place.path,
        visitor=actor,
        member=member or own,
        visited_on=visited_on,
        kind=kind,
        found=found,
    )
    audit.log(
        "visits.visit.recorded",
        actor=actor,
        target=visit,
        data={
            "kind": kind,
            "household": household.pk if household else None,
            "photos": len(photos),
        },
    )
    if photos:
        try:
            attachments.attach(visit, photos, actor=actor, kind=Kind.PHOTO)
        except RuleViolation as exc:  # the form's field is "photos": nothing is kept
            raise RuleViolation(exc.message, field="photos") from None
    return visit


def demand_area(visit: Visit) -> Area:
    """Where a demand from the visit happened: the visit's place, a unit (单元) taken up
    to its building (demands are recorded down to buildings)."""
    area = visit.area
    if area.level > Level.BUILDING and area.parent is not None:
        return area.parent
    return area


def demand_initial(visit: Visit) -> dict[str, Any]:
    """The demand form's values prefilled from the visit."""
    first = visit.found.strip().splitlines()[0] if visit.found.strip() else ""
    return {"title": first[:30], "content": visit.found, "suggestion": ""}


@atomic
def demand_from_visit(
    visit: Visit, *, actor: User, title: str, content: str, suggestion: str = ""
) -> Demand:
    """转为诉求: the demands module's intake, from the visit (channel 走访, place = the
    visit's household, requester = the resident visited, else the household); the visit
    keeps the link and its follow-up is "demand". Once per visit."""
    require(actor, RECORD, visit)
    visit = lock(visit)
    if visit.demand_id is not None:
        raise RuleViolation(_("该走访已转为诉求，不能重复转办。"), field="demand")
    household = visit.household
    resident = visit.resident
    kind, name, phone = RequesterKind.ANONYMOUS, "", ""
    if resident is not None:
        kind, name, phone = RequesterKind.RESIDENT, resident.name, resident.phone
    elif household is not None:
        kind, name = RequesterKind.HOUSEHOLD, household.place_name()[:50]
    # A visitor who may not open the household's page (an in-service member) names the
    # place by its address instead of linking the household.
    linked = household if household and actor.has_perm("areas.view_household", household) else None
    demand = create_demand(
        actor=actor,
        area=demand_area(visit),
        title=title,
        content=content,
        suggestion=suggestion,
        channel=Channel.VISIT,
        household=linked,
        location=(household.place_name()[:200] if household and linked is None else ""),
        requester_kind=kind,
        requester_name=name,
        requester_phone=phone,
    )
    visit.demand = demand
    visit.follow_up = FollowUp.DEMAND
    visit.save(update_fields=["demand", "follow_up"])
    audit.log("visits.visit.demand", actor=actor, target=visit, data={"demand": demand.pk})
    return demand
