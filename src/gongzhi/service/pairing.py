"""结对联系: an in-service member paired with households (1 difficult + ≥ 1 ordinary, within
the capacity they declared in their report, ``rules.can_pair``); a pairing ends with a
date and is kept as history."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.areas.models import Household
from gongzhi.core import audit
from gongzhi.core.calendar import require_happened
from gongzhi.core.errors import NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.services import atomic, lock, require
from gongzhi.party.models import Member

from . import rules
from .choices import PairKind, ReportState
from .models import Pair, Report
from .permissions import CHANGE, VIEW


def mask_address(household: Household) -> str:
    """A household's address with its door number hidden (锦江小区3栋1单元***): a pairing
    list shows where, the household's own page (in scope) shows the door."""
    address = household.address or ""
    door = household.door_number or ""
    if door and address.endswith(door):
        return address[: -len(door)] + "*" * len(door)
    return address


def live_report(member: Member) -> Report | None:
    return Report.objects.filter(member=member, status=ReportState.CONFIRMED).first()


@atomic
def pair(
    *,
    actor: User,
    member: Member,
    household: Household,
    kind: str,
    started_on: date | None = None,
) -> Pair:
    """Pair a member who reported (confirmed) with a household; refused beyond the member's
    capacity (``Report.capacity``, never above the parameter) or twice with one household."""
    day = started_on or timezone.localdate()
    require(actor, CHANGE, household)
    require_happened(day, field="started_on")
    problems = Problems()
    if kind not in PairKind.values:
        problems.add(RuleViolation(_("户类型不正确。"), field="kind"))
    report = live_report(member)
    if report is None:
        problems.add(RuleViolation(_("该党员尚未经社区确认报到，不能结对。"), field="member"))
    else:
        report = lock(report)  # pairs of one member are counted and added one at a time
        live = Pair.objects.filter(member=member, ended_on__isnull=True).count()
        if not rules.can_pair(live, report.capacity, day):
            problems.add(
                RuleViolation(
                    _("超出该党员的联系能力：可联系户数为%(n)d户，已结对%(live)d户。")
                    % {"n": rules.pair_capacity(report.capacity, day), "live": live},
                    field="member",
                )
            )
    if Pair.objects.filter(member=member, household=household, ended_on__isnull=True).exists():
        problems.add(RuleViolation(_("该党员已与这户结对。"), field="household"))
    problems.raise_any()
    link = Pair.objects.create(
        member=member,
        household=household,
        path=household.path,
        kind=kind,
        started_on=day,
        created_by=actor,
    )
    audit.log("service.pair.created", actor=actor, target=link, data={"kind": kind})
    return link


@atomic
def end_pair(link: Pair, *, actor: User, ended_on: date | None = None) -> Pair:
    day = ended_on or timezone.localdate()
    require(actor, CHANGE, link)
    require_happened(day, field="ended_on")
    link = lock(link)
    if link.ended_on is not None:
        raise RuleViolation(_("该结对已结束。"), field="ended_on")
    if day < link.started_on:
        raise RuleViolation(_("结束日期不能早于结对日期。"), field="ended_on")
    link.ended_on = day
    link.save(update_fields=["ended_on"])
    audit.log("service.pair.ended", actor=actor, target=link)
    return link


# --- Selectors --------------------------------------------------------------------------


def pairs_for(user: User, perm: str = VIEW) -> QuerySet[Pair]:
    return Pair.objects.visible_to(user, perm).select_related("member", "household")


def get_pair(user: User, pk: int | str, perm: str = VIEW) -> Pair:
    try:
        return pairs_for(user, perm).get(pk=pk)
    except (Pair.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def member_pairs(user: User, member: Member) -> QuerySet[Pair]:
    """A member's live pairs the user sees (staff by place, the member their own)."""
    return pairs_for(user).filter(member=member, ended_on__isnull=True).order_by("kind", "path")


@dataclass
class Load:
    difficult: int
    ordinary: int
    capacity: int

    @property
    def live(self) -> int:
        return self.difficult + self.ordinary

    @property
    def free(self) -> int:
        return max(self.capacity - self.live, 0)


def loads(member_ids: list[int], capacities: dict[int, int], on: date) -> dict[int, Load]:
    """Live pairs per member by kind, against each one's capacity: one query."""
    counts = dict.fromkeys(member_ids, (0, 0))
    for member_id, difficult, ordinary in (
        Pair.objects.filter(member_id__in=member_ids, ended_on__isnull=True)
        .values("member_id")
        .annotate(
            d=Count("id", filter=Q(kind=PairKind.DIFFICULT)),
            o=Count("id", filter=Q(kind=PairKind.ORDINARY)),
        )
        .values_list("member_id", "d", "o")
    ):
        counts[member_id] = (difficult, ordinary)
    return {
        m: Load(d, o, rules.pair_capacity(capacities.get(m), on)) for m, (d, o) in counts.items()
    }
