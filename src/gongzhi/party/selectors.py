"""Scoped reads of the party module and the rule checks shown as warnings."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core import pii
from gongzhi.core.calendar import add_months
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.finder import Hit, detail
from gongzhi.core.params import value as param
from gongzhi.core.pinyin import LETTERS, first_letters_only, letter_columns, letters_match
from gongzhi.core.scoping import Scope

from .choices import (
    BRANCH_TYPES,
    GRADUATE_EDUCATION,
    HOLDING,
    Category,
    CommitteePost,
    MemberStatus,
    OrgType,
    ResidentsPost,
    Standing,
    TransferState,
)
from .models import CommitteeSeat, CommunityCadre, Member, MemberEvent, Organization, Transfer
from .permissions import MANAGE_TRANSFER, VIEW_MEMBER, VIEW_ORG

M = TypeVar("M", bound=Model)


def organizations_for(user: User, perm: str = VIEW_ORG) -> QuerySet[Organization]:
    return Organization.objects.visible_to(user, perm).select_related("area", "parent")


def members_for(user: User, perm: str = VIEW_MEMBER) -> QuerySet[Member]:
    return Member.objects.visible_to(user, perm).select_related("organization")


def transfers_for(user: User, perm: str = MANAGE_TRANSFER) -> QuerySet[Transfer]:
    return Transfer.objects.visible_to(user, perm).select_related("member", "from_org", "to_org")


# The receiving side of a transfer: its scope without the sending side's paths.
RECEIVING = Scope(paths=("to_path",), org_paths=("to_org__tree_path",))


def transfers_to_receive(user: User, today: date) -> QuerySet[Transfer]:
    """Letters sent to an organization of the user's that wait to be received."""
    rows = transfers_for(user).filter(state=TransferState.SENT)
    return rows if user.is_superuser else rows.filter(RECEIVING.q(user, MANAGE_TRANSFER))


def _get(qs: QuerySet[M], pk: int | str) -> M:
    try:
        return qs.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):  # the base of qs.model.DoesNotExist
        raise NotFoundOrForbidden() from None


def get_organization(user: User, pk: int | str, perm: str = VIEW_ORG) -> Organization:
    return _get(organizations_for(user, perm), pk)


def get_member(user: User, pk: int | str, perm: str = VIEW_MEMBER) -> Member:
    return _get(members_for(user, perm), pk)


def get_transfer(user: User, pk: int | str, perm: str = MANAGE_TRANSFER) -> Transfer:
    return _get(transfers_for(user, perm), pk)


# --- Organization tree with counts and warnings ----------------------------------------


@dataclass
class OrgNode:
    org: Organization
    depth: int
    members: int = 0  # holding members directly in this organization
    full_members: int = 0
    subtree_members: int = 0
    committee_size: int = 0
    warnings: list[str] = field(default_factory=list)
    term: str = "none"  # none / ok / due / overdue


def term_status(org: Organization, today: date) -> str:
    ends = org.term_ends_on
    if ends is None:
        return "none"
    if ends < today:
        return "overdue"
    if ends - timedelta(days=param("party.term_warning_days", today)) <= today:
        return "due"
    return "ok"


def size_warnings(
    org: Organization, members: int, full: int, committee: int, today: date
) -> list[str]:
    """RULES.md "Organization size", as warnings shown beside the organization."""
    warnings = []
    if org.org_type in BRANCH_TYPES:
        if full < param("party.branch_min_full_members", today):
            warnings.append(
                _("正式党员不足%(n)d名，不符合成立党支部的条件。")
                % {"n": param("party.branch_min_full_members", today)}
            )
        if members > param("party.branch_max_members", today):
            warnings.append(
                _("党员超过%(n)d名，可考虑分设支部或成立党总支。")
                % {"n": param("party.branch_max_members", today)}
            )
        if full >= param("party.committee_from_full_members", today) and committee < 3:
            warnings.append(
                _("正式党员%(n)d名以上，应设立支部委员会（3至5人）。")
                % {"n": param("party.committee_from_full_members", today)}
            )
    return warnings


def organization_tree(
    user: User, root: Organization | None = None, today: date | None = None
) -> list[OrgNode]:
    """The user's organizations (under ``root``) in tree order, with member counts per
    organization and per subtree, committee sizes and warnings: three queries in all."""
    today = today or timezone.localdate()
    queryset = organizations_for(user)
    if root is not None:
        queryset = queryset.filter(tree_path__startswith=root.tree_path)
    orgs = list(queryset.annotate(committee_size=Count("seats")).order_by("tree_path"))
    ids = [o.pk for o in orgs]
    counts = (
        (
            Member.objects.filter(organization_id__in=ids, standing__in=HOLDING)
            .values("organization_id")
            .annotate(n=Count("id"), full=Count("id", filter=Q(status=MemberStatus.FULL)))
        )
        if ids
        else []
    )
    by_org = {row["organization_id"]: row for row in counts}
    base_depth = min((o.tree_path.count("/") for o in orgs), default=0)
    nodes = []
    subtree: defaultdict[int, int] = defaultdict(int)
    for org in orgs:
        row = by_org.get(org.pk, {"n": 0, "full": 0})
        for ancestor in org.tree_path.strip("/").split("/"):
            subtree[int(ancestor)] += row["n"]
    for org in orgs:
        row = by_org.get(org.pk, {"n": 0, "full": 0})
        node = OrgNode(
            org,
            org.tree_path.count("/") - base_depth,
            row["n"],
            row["full"],
            subtree[org.pk],
            org.committee_size,
        )
        node.term = term_status(org, today)
        node.warnings = size_warnings(
            org,
            node.subtree_members if org.org_type not in BRANCH_TYPES else node.members,
            node.full_members,
            node.committee_size,
            today,
        )
        if org.org_type == OrgType.GENERAL_BRANCH and node.subtree_members <= param(
            "party.general_branch_over", today
        ):
            node.warnings.append(
                _("党员不足%(n)d名，一般不设党总支。")
                % {"n": param("party.general_branch_over", today) + 1}
            )
        if node.term == "due":
            node.warnings.append(_("任期将于%(d)s届满，请按期换届。") % {"d": org.term_ends_on})
        elif node.term == "overdue":
            node.warnings.append(_("任期已于%(d)s届满，已超期未换届。") % {"d": org.term_ends_on})
        nodes.append(node)
    return nodes


# --- Community two committees (社区“两委”) ---------------------------------------------


def two_committee_problems(cadres: list[CommunityCadre], today: date) -> list[str]:
    """What a community's two-committee roster misses (RULES.md "Community")."""
    problems = []
    low, high = param("party.two_committee_min", today), param("party.two_committee_max", today)
    if not low <= len(cadres) <= high:
        problems.append(
            _("“两委”成员%(n)d人，应为%(lo)d至%(hi)d人。")
            % {"n": len(cadres), "lo": low, "hi": high}
        )
    young = param("party.two_committee_young_age", today)
    if not any(pii.age_on(c.birth_date, today) < young for c in cadres):
        problems.append(_("没有%(n)d周岁以下的成员。") % {"n": young})
    if not any(c.education in GRADUATE_EDUCATION for c in cadres):
        problems.append(_("没有大学（大专及以上）学历的成员。"))
    secretary_is_director = any(
        c.party_post == CommitteePost.SECRETARY and c.residents_post == ResidentsPost.DIRECTOR
        for c in cadres
    )
    if secretary_is_director and not any(
        c.party_post == CommitteePost.DEPUTY_SECRETARY and c.is_full_time for c in cadres
    ):
        problems.append(_("书记、主任“一肩挑”，应配备一名专职副书记。"))
    if not any(c.party_post == CommitteePost.SECRETARY for c in cadres):
        problems.append(_("未配备党组织书记。"))
    return problems


def communities_failing_checks(
    user: User, today: date | None = None
) -> list[tuple[Area, list[str]]]:
    """Every community in scope whose two-committee roster fails a check, with the reasons."""
    today = today or timezone.localdate()
    communities = list(
        Area.objects.visible_to(user, VIEW_ORG).filter(level=Level.COMMUNITY).order_by("path")
    )
    cadres = defaultdict(list)
    for cadre in CommunityCadre.objects.filter(community__in=communities):
        cadres[cadre.community_id].append(cadre)
    result = []
    for community in communities:
        problems = two_committee_problems(cadres[community.pk], today)
        if problems:
            result.append((community, problems))
    return result


# --- Members: warnings and search ------------------------------------------------------


def floating_not_contacted(user: User, today: date) -> QuerySet[Member]:
    """Floating members not contacted within the configured months (default 6)."""
    cutoff = add_months(today, -param("party.floating_contact_months", today))
    return (
        members_for(user)
        .filter(category=Category.FLOATING, standing=Standing.ACTIVE)
        .filter(Q(last_contact_on__lte=cutoff) | Q(last_contact_on__isnull=True))
    )


def out_of_contact(user: User, today: date) -> QuerySet[Member]:
    """Active members out of contact long enough to suspend their standing."""
    cutoff = add_months(today, -param("party.lost_contact_months", today))
    return members_for(user).filter(standing=Standing.ACTIVE, last_contact_on__lte=cutoff)


def removal_due(user: User, today: date) -> QuerySet[Member]:
    """Suspended members still out of contact after the configured period (default 2 years)."""
    cutoff = add_months(today, -param("party.removal_after_months", today))
    return members_for(user).filter(standing=Standing.SUSPENDED, suspended_on__lte=cutoff)


def overdue_letters(user: User, today: date) -> QuerySet[Transfer]:
    """Introduction letters past their validity that nobody has received yet."""
    return transfers_for(user).filter(state=TransferState.SENT, valid_until__lt=today)


def letter_overdue(transfer: Transfer, today: date) -> bool:
    """One row of :func:`overdue_letters`."""
    return transfer.state == TransferState.SENT and transfer.valid_until < today


def pocket_members(user: User, perm: str = VIEW_MEMBER) -> QuerySet[Member]:
    return members_for(user, perm).filter(category=Category.POCKET, standing__in=HOLDING)


def pocket(user: User, today: date) -> QuerySet[Member]:
    """The pocket members as a warning (core.modules.WarningKind: ``f(user, today)``)."""
    return pocket_members(user)


def search_members(user: User, query: str) -> QuerySet[Member]:
    """Holding members by what staff type, as for residents: a name (张小明), pinyin
    initials or full pinyin (zxm, zhxm, zhangxiaoming), a phone or ID tail (5678), a whole
    phone or ID number."""
    query = re.sub(r"\s+", "", pii.ascii_form(query))
    qs = members_for(user).filter(standing__in=HOLDING)
    if not query:
        return qs.none()
    if (query.isascii() and query.isdigit()) and len(query) == 4:
        return qs.filter(Q(phone_tail=query) | Q(id_tail=query))
    if (query.isascii() and query.isdigit()) and len(query) == 11:
        return qs.filter(phone_tail=query[-4:], phone=query)
    if len(query) in (15, 18) and re.match(r"^[0-9]{14,17}[0-9xX]$", query):
        try:
            return qs.filter(id_number_hash__in=pii.lookup_hashes(pii.normalize_id_number(query)))
        except RuleViolation:  # an invalid number simply finds nobody
            return qs.none()
    if LETTERS.match(query):
        if first_letters_only(query):
            return qs.filter(short_initials__prefix=query.lower()).order_by("short_initials", "id")
        return qs.filter(letters_match(query))
    return qs.filter(name__prefix=query).order_by("name", "id")


def first_members(user: User, query: str, limit: int) -> list[Member]:
    """At most ``limit`` members of :func:`search_members`, for a search box: a tail or
    pinyin letters asked column by column (an OR of the columns, joined to the
    organizations of the scope, scanned a district's members)."""
    letters = re.sub(r"\s+", "", pii.ascii_form(query)).lower()
    if (letters.isascii() and letters.isdigit()) and len(letters) == 4:
        conditions = [Q(phone_tail=letters), Q(id_tail=letters)]
    elif LETTERS.match(letters):
        conditions = [Q(**{f"{c}__prefix": letters}) for c in letter_columns(letters)]
    else:
        return list(search_members(user, query)[:limit])
    holding = members_for(user).filter(standing__in=HOLDING)
    found: dict[int, Member] = {}
    for condition in conditions:
        rows = holding.filter(condition).order_by("id")
        for member in rows[:limit]:
            found.setdefault(member.pk, member)
    return list(found.values())[:limit]


def find_members(user: User, query: str, limit: int) -> list[Hit]:
    """The header search's party members (core.finder): :func:`search_members`, the phone
    and ID number masked."""
    return [
        Hit(
            member.name,
            detail(member.organization.name, pii.mask_phone(member.phone), member.id_number_masked),
            member.get_absolute_url(),
        )
        for member in first_members(user, query, limit)
    ]


def find_organizations(user: User, query: str, limit: int) -> list[Hit]:
    """The header search's party organizations (core.finder): by a part of the name."""
    organizations = organizations_for(user).filter(name__contains=query).order_by("tree_path")
    return [
        Hit(org.name, f"{org.get_org_type_display()} · {org.area.name}", org.get_absolute_url())
        for org in organizations[:limit]
    ]


def talent_search(user: User, skill: str, within: Area | None = None) -> QuerySet[Member]:
    """ "Who can do legal advice in this community?": skills, hobbies and job, holding members."""
    qs = members_for(user).filter(standing__in=HOLDING)
    if within is not None:
        qs = qs.filter(path__under=within.path)
    for word in (skill or "").split():
        qs = qs.filter(Q(skills__contains=word) | Q(hobbies__contains=word) | Q(job__contains=word))
    return qs.order_by("name")


# --- Pages and API: detail reads ---------------------------------------------------------


def organizations_term_due(user: User, today: date | None = None) -> list[tuple[Organization, str]]:
    """Organizations whose term ends within the reminder window or has ended:
    (organization, "due" | "overdue"), in tree order."""
    today = today or timezone.localdate()
    orgs = organizations_for(user).filter(
        is_active=True, term_started_on__isnull=False, term_years__isnull=False
    )
    found = []
    for org in orgs.order_by("tree_path"):
        status = term_status(org, today)
        if status in ("due", "overdue"):
            found.append((org, status))
    return found


def committee_candidates(user: User, organization: Organization) -> QuerySet[Member]:
    """Who may sit on ``organization``'s committee: full members in good standing of the
    organization or the branches below it (services.add_seat checks the same)."""
    return (
        members_for(user)
        .filter(
            organization__tree_path__startswith=organization.tree_path,
            status=MemberStatus.FULL,
            standing=Standing.ACTIVE,
        )
        .order_by("name")
    )


def seats_of(user: User, organization: Organization) -> QuerySet[CommitteeSeat]:
    return (
        organization.seats.visible_to(user, VIEW_ORG)
        .select_related("member")
        .order_by("post", "started_on")
    )


def get_seat(
    user: User, organization: Organization, pk: int | str, perm: str = VIEW_ORG
) -> CommitteeSeat:
    return _get(organization.seats.visible_to(user, perm).select_related("member"), pk)


def members_of(user: User, organization: Organization) -> QuerySet[Member]:
    """Holding members directly in ``organization``."""
    return members_for(user).filter(organization=organization, standing__in=HOLDING)


def timeline(member: Member) -> QuerySet[MemberEvent]:
    return member.events.select_related("actor").order_by("-occurred_on", "-id")


def member_transfers(user: User, member: Member) -> QuerySet[Transfer]:
    return transfers_for(user).filter(member=member)


def cadres_for(user: User, community: Area, perm: str = VIEW_ORG) -> QuerySet[CommunityCadre]:
    return (
        CommunityCadre.objects.visible_to(user, perm)
        .filter(community=community)
        .select_related("member")
        .order_by("id")
    )


def communities_for(user: User, perm: str = VIEW_ORG) -> QuerySet[Area]:
    return Area.objects.visible_to(user, perm).filter(level=Level.COMMUNITY).order_by("path")


def is_member(user: User) -> bool:
    """Whether ``user`` is a party member holding a membership (their own pages: meetings,
    study hours, evaluation), asked once per request (the menu asks on every page)."""
    cached = getattr(user, "_is_party_member", None)
    if cached is None:
        cached = Member.objects.filter(user=user, standing__in=HOLDING).exists()
        user._is_party_member = cached  # type: ignore[attr-defined]
    return cached
