"""Scoped reads of visits and care cases: every list, detail, export and picker starts
here (``visible_to``)."""

import re

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from gongzhi.accounts.models import User
from gongzhi.areas.models import Household
from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.residents.models import Resident
from gongzhi.service.models import Pair

from .models import CareCase, Help, Visit
from .permissions import CARE, RECORD, VIEW
from .services import member_of, pairs_only

PICK_LIMIT = 10


def visits_for(user: User, perm: str = VIEW) -> QuerySet[Visit]:
    return Visit.objects.visible_to(user, perm).select_related(
        "household", "resident", "area", "visitor", "member"
    )


def get_visit(user: User, pk: int | str, perm: str = VIEW) -> Visit:
    try:
        return visits_for(user, perm).get(pk=pk)
    except (Visit.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundOrForbidden() from None


def my_visits(user: User) -> QuerySet[Visit]:
    """The visits the user made (the owned reach for an in-service member)."""
    return visits_for(user).filter(visitor=user).order_by("-visited_on", "-id")


def household_visits(user: User, household_id: int) -> QuerySet[Visit]:
    return visits_for(user).filter(household_id=household_id).order_by("-visited_on", "-id")


def paired_households(user: User) -> QuerySet[Household]:
    """The households live-paired with the user's party record (an in-service member's)."""
    member = member_of(user)
    if member is None:
        return Household.objects.none()
    paired = Pair.objects.filter(member=member, ended_on__isnull=True).values("household_id")
    return Household.objects.filter(pk__in=paired).order_by("path")


def visitable_households(user: User) -> QuerySet[Household]:
    """The households the user may record a visit to: their scope's (``RECORD``), or only
    those paired with them where they record as an in-service member."""
    paths = user.scope_paths(RECORD)
    if not user.is_superuser and paths and all(pairs_only(user, p) for p in paths):
        return paired_households(user)
    return Household.objects.visible_to(user, RECORD).order_by("path")


_DOOR = re.compile(r"^[0-9A-Za-z\-]+$")


def pick_households(user: User, query: str) -> list[Household]:
    """At most ``PICK_LIMIT`` households to visit matching a door number, an address or
    its prefix, or a household code."""
    query = re.sub(r"\s+", "", query or "")[:50]
    if not query:
        return []
    match = Q(address__contains=query) | Q(code__startswith=query)
    if _DOOR.match(query):
        match |= Q(door_number__startswith=query)
    return list(visitable_households(user).filter(match).order_by("path")[:PICK_LIMIT])


def visitable_household(user: User, pk: int | str | None) -> Household | None:
    text = str(pk or "")
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        return None
    return visitable_households(user).filter(pk=int(text)).first()


def visitable_resident(user: User, pk: int | str | None) -> Resident | None:
    """A present resident of a household the user may visit."""
    text = str(pk or "")
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        return None
    return (
        Resident.objects.filter(
            pk=int(text), present=True, household__in=visitable_households(user)
        )
        .select_related("household")
        .first()
    )


def household_residents(household: Household | None) -> QuerySet[Resident]:
    """The present residents of a household the user may visit (fetched through
    ``visitable_household``)."""
    if household is None:
        return Resident.objects.none()
    return Resident.objects.filter(household=household, present=True).order_by("relation", "id")


# --- Care cases ----------------------------------------------------------------------------


def with_help_totals(queryset: QuerySet[CareCase]) -> QuerySet[CareCase]:
    """Cases with the number of help entries and their total value (one query)."""
    help_rows = Help.objects.filter(case=OuterRef("pk")).order_by().values("case")
    return queryset.select_related("household").annotate(
        n_help=Coalesce(Subquery(help_rows.annotate(n=Count("pk")).values("n")[:1]), 0),
        help_value=Subquery(help_rows.annotate(v=Sum("value")).values("v")[:1]),
    )


def cases_for(user: User, perm: str = VIEW) -> QuerySet[CareCase]:
    return with_help_totals(CareCase.objects.visible_to(user, perm))


def get_case(user: User, pk: int | str, perm: str = VIEW) -> CareCase:
    try:
        return (
            CareCase.objects.visible_to(user, perm)
            .select_related("household")
            .prefetch_related("helpers")
            .get(pk=pk)
        )
    except (CareCase.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFoundOrForbidden() from None


def my_cases(user: User) -> QuerySet[CareCase]:
    """The cases the user helps with (as a party member)."""
    return cases_for(user).filter(helpers__user=user).order_by("-opened_on", "-id")


def case_help(case: CareCase) -> QuerySet[Help]:
    """The help given in a case (the case was fetched through the scope)."""
    return Help.objects.filter(case=case).select_related("created_by").order_by("-given_on", "-id")


def case_visits(user: User, case: CareCase) -> QuerySet[Visit]:
    return visits_for(user).filter(case=case).order_by("-visited_on", "-id")


def care_households(user: User) -> QuerySet[Household]:
    """The households the user may open a care case for."""
    return Household.objects.visible_to(user, CARE).order_by("path")
