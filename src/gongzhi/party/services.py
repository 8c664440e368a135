"""Every write of the party module: organizations, members, transfers, committees.

Each function checks the actor's scope, locks what it changes, refuses with a Chinese
reason naming the field, writes the member's timeline event and the audit record.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core import audit, calendar, pii
from gongzhi.core.calendar import add_months
from gongzhi.core.errors import Conflict, Problems, RuleViolation
from gongzhi.core.params import value as param
from gongzhi.core.pinyin import name_fields
from gongzhi.core.services import atomic, check_version, lock, require, reveal
from gongzhi.core.workflow import Workflow, register, step

from .choices import (
    BRANCH_TYPES,
    HOLDING,
    TERMED_TYPES,
    Category,
    EventKind,
    MemberStatus,
    OrgType,
    Standing,
    TransferKind,
    TransferState,
)
from .models import (
    CommitteeSeat,
    CommunityCadre,
    FloatingContact,
    Member,
    MemberEvent,
    Organization,
    Transfer,
)
from .permissions import CHANGE_MEMBER, CHANGE_ORG, MANAGE_TRANSFER, VIEW_MEMBER_PII


def _event(
    member: Member, kind: str, on: date, actor: User, note: str = "", **data: Any
) -> MemberEvent:
    return MemberEvent.objects.create(
        member=member, kind=kind, occurred_on=on, actor=actor, note=note, data=data
    )


# --- Organizations -----------------------------------------------------------------


def default_term_years(org_type: str, area: Area, parent: Organization | None) -> int | None:
    """The community's own party organization (its top one) 5 years, other committees
    3 (RULES.md); party groups have no term."""
    if org_type not in TERMED_TYPES:
        return None
    top_of_community = parent is None or parent.area.level < Level.COMMUNITY
    if area.level == Level.COMMUNITY and top_of_community:
        return param("party.term_years.community")
    return param("party.term_years.other")


@atomic
def create_organization(
    *,
    actor: User,
    parent: Organization | None,
    name: str,
    org_type: str,
    area: Area,
    founded_on: date | None = None,
    term_started_on: date | None = None,
    term_years: int | None = None,
) -> Organization:
    require(actor, CHANGE_ORG, area)
    name = (name or "").strip()
    if not name:
        raise RuleViolation(_("名称不能为空。"), field="name")
    if org_type not in OrgType.values:
        raise RuleViolation(_("党组织类型不正确。"), field="org_type")
    if parent is None and area.level > Level.STREET:
        raise RuleViolation(_("社区及以下的党组织须有上级党组织。"), field="parent")
    if parent is not None:
        parent = lock(parent)
        require(actor, CHANGE_ORG, parent)
        if not area.path.startswith(parent.path):
            raise RuleViolation(_("服务区域须在上级党组织的服务区域之内。"), field="area")
        if parent.org_type == OrgType.GROUP:
            raise RuleViolation(_("党小组下不能再设党组织。"), field="parent")
    if org_type == OrgType.GROUP and (parent is None or parent.org_type not in BRANCH_TYPES):
        raise RuleViolation(_("党小组须设在党支部之下。"), field="parent")
    if term_years is None:
        term_years = default_term_years(org_type, area, parent)
    org = Organization.objects.create(
        parent=parent,
        name=name,
        org_type=org_type,
        area=area,
        path=area.path,
        founded_on=founded_on,
        term_started_on=term_started_on,
        term_years=term_years,
    )
    org.tree_path = f"{parent.tree_path if parent else '/'}{org.pk}/"
    org.save(update_fields=["tree_path"])
    audit.log(
        "party.organization.created",
        actor=actor,
        target=org,
        data={"type": org_type, "area": area.code},
    )
    return org


@atomic
def update_organization(
    org: Organization, *, actor: User, version: int | None, **fields: Any
) -> Organization:
    org = lock(org)
    require(actor, CHANGE_ORG, org)
    check_version(org, version)
    allowed = {"name", "founded_on", "term_started_on", "term_years", "is_active"}
    changed: dict[str, list[str]] = {}
    for key, new in fields.items():
        if key not in allowed:
            raise RuleViolation(_("字段“%(f)s”不可修改。") % {"f": key}, field=key)
        if key == "name" and not (new or "").strip():
            raise RuleViolation(_("名称不能为空。"), field="name")
        if key == "term_years" and new is not None and not 1 <= new <= 5:
            raise RuleViolation(_("任期应为1至5年。"), field="term_years")
        if getattr(org, key) != new:
            changed[key] = [str(getattr(org, key)), str(new)]
            setattr(org, key, new)
    if not changed:
        return org
    org.version += 1
    org.save(update_fields=[*changed, "version", "updated_at"])
    audit.log("party.organization.changed", actor=actor, target=org, data=changed)
    return org


def renew_term(
    org: Organization, *, actor: User, version: int | None, started_on: date
) -> Organization:
    """按期换届: the new committee's term starts; the reminder clock restarts."""
    if org.org_type not in TERMED_TYPES:
        raise RuleViolation(_("党小组没有任期。"), field="term_started_on")
    return update_organization(org, actor=actor, version=version, term_started_on=started_on)


# --- Members -----------------------------------------------------------------------

PROFILE_FIELDS = {
    "phone",
    "education",
    "ethnicity",
    "employer",
    "employer_org",
    "job",
    "skills",
    "hobbies",
    "duty_post",
    "household",
    "floating_whereabouts",
    "party_group",
}


def _check_dates(
    *,
    birth: date,
    applied_on: date | None,
    admitted_on: date,
    converted_on: date | None,
    status: str,
) -> None:
    for name, day in (
        ("applied_on", applied_on),
        ("admitted_on", admitted_on),
        ("converted_on", converted_on),
    ):
        calendar.require_happened(day, field=name)
    min_age = param("party.min_age_at_application")
    if applied_on is not None and pii.age_on(birth, applied_on) < min_age:
        raise RuleViolation(
            _("申请入党时须年满%(n)d周岁：按身份证出生日期，申请日未满%(n)d周岁。")
            % {"n": min_age},
            field="applied_on",
        )
    if applied_on is not None and admitted_on < applied_on:
        raise RuleViolation(_("入党日期不能早于申请入党日期。"), field="admitted_on")
    if applied_on is None and pii.age_on(birth, admitted_on) < min_age:
        raise RuleViolation(_("入党时须年满%(n)d周岁。") % {"n": min_age}, field="admitted_on")
    if status == MemberStatus.FULL:
        if converted_on is None:
            raise RuleViolation(_("正式党员须填写转正日期。"), field="converted_on")
        if converted_on < admitted_on:
            raise RuleViolation(_("转正日期不能早于入党日期。"), field="converted_on")
    elif converted_on is not None:
        raise RuleViolation(_("预备党员不能有转正日期。"), field="converted_on")


def _check_branch(org: Organization, field: str = "organization") -> None:
    if org.org_type not in BRANCH_TYPES:
        raise RuleViolation(_("党员须编入党支部（含联合、网格、楼院党支部）。"), field=field)


def _check_group(group: Organization | None, org: Organization) -> None:
    if group is not None and (group.org_type != OrgType.GROUP or group.parent_id != org.pk):
        raise RuleViolation(_("党小组须属于所在党支部。"), field="party_group")


def _check_household(actor: User, household: Household | None) -> None:
    if household is not None and not actor.has_perm("areas.view_household", household):
        raise RuleViolation(_("居住户不存在或不在管辖范围内。"), field="household")


def _new_member(
    *,
    actor: User,
    organization: Organization,
    name: str,
    id_number: str,
    status: str,
    category: str,
    admitted_on: date,
    applied_on: date | None = None,
    converted_on: date | None = None,
    on: date | None = None,
    **profile: Any,
) -> Member:
    """Check one member's data like every registration does and build the unsaved row.

    The rules of :func:`register_member` and :func:`import_members` alike, except the
    one needing the database (one holding membership per ID number), which each caller
    checks its own way: one query for one member, one for a whole file. Every refusal
    is reported at once (RuleViolations).
    """
    unknown = set(profile) - PROFILE_FIELDS
    if unknown:
        raise RuleViolation(_("字段“%(f)s”不可填写。") % {"f": ", ".join(sorted(unknown))})
    problems = Problems()
    with problems.check():
        _check_branch(organization)
    name = (name or "").strip()
    if not name:
        problems.add(RuleViolation(_("姓名不能为空。"), field="name"))
    number = ""
    with problems.check():
        number = pii.normalize_id_number(id_number)
    if status not in MemberStatus.values:
        problems.add(RuleViolation(_("党员状态不正确。"), field="status"))
    if category not in Category.values:
        problems.add(RuleViolation(_("党员类别不正确。"), field="category"))
    birth = pii.birth_date(number) if number else None
    if birth is not None:  # the age rules need the ID number's birth date
        with problems.check():
            _check_dates(
                birth=birth,
                applied_on=applied_on,
                admitted_on=admitted_on,
                converted_on=converted_on,
                status=status,
            )
    with problems.check():
        _check_group(profile.get("party_group"), organization)
    with problems.check():
        _check_household(actor, profile.get("household"))
    if profile.get("phone"):
        with problems.check():
            profile["phone"] = pii.normalize_phone(profile["phone"])
    problems.raise_any()
    assert birth is not None  # the ID number passed
    return Member(
        name=name,
        **name_fields(name),
        phone_tail=(profile.get("phone") or "")[-4:],
        sex=pii.sex(number),
        birth_date=birth,
        **Member.id_number_fields(number),
        organization=organization,
        path=organization.path,
        status=status,
        category=category,
        applied_on=applied_on,
        admitted_on=admitted_on,
        converted_on=converted_on,
        last_contact_on=on,
        **profile,
    )


DUPLICATE_ID = gettext_noop(
    "该身份证号已有在册党员档案，不能重复登记；如已迁入请办理组织关系转接。"
)


@atomic
def register_member(
    *, actor: User, organization: Organization, on: date | None = None, **data: Any
) -> Member:
    require(actor, CHANGE_MEMBER, organization)
    member = _new_member(actor=actor, organization=organization, on=on, **data)
    if Member.objects.filter(id_number_hash=member.id_number_hash, standing__in=HOLDING).exists():
        raise RuleViolation(_(DUPLICATE_ID), field="id_number")
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise RuleViolation(
            _("该身份证号已有在册党员档案，不能重复登记。"), field="id_number"
        ) from None
    _event(
        member,
        EventKind.REGISTERED,
        on or member.admitted_on,
        actor,
        organization=organization.name,
    )
    audit.log(
        "party.member.registered",
        actor=actor,
        target=member,
        data={
            "organization": organization.pk,
            "category": member.category,
            "status": member.status,
        },
    )
    return member


# --- Member import (Excel) ----------------------------------------------------------

IMPORT_BATCH = 1000
IMPORT_PROFILE = (
    "phone",
    "education",
    "ethnicity",
    "employer",
    "employer_org",
    "job",
    "skills",
    "hobbies",
    "duty_post",
    "floating_whereabouts",
)


@dataclass
class MemberRow:
    """One member of an import file: ``ref`` is its row number, ``organization`` the
    branch as typed (its id or its name), ``invalid`` set when a cell already failed."""

    ref: int
    organization: str
    name: str
    id_number: str
    status: str
    category: str
    admitted_on: date | None
    applied_on: date | None = None
    converted_on: date | None = None
    profile: dict = field(default_factory=dict)
    invalid: bool = False


@dataclass
class MemberImportOutcome:
    written: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (ref, field, reason)


def _branches_by_reference(actor: User) -> tuple[dict[str, Organization], set[str]]:
    """The branches the actor may register members in, by id and by name; names used by
    two branches in scope are ambiguous and must be given by id."""
    branches = Organization.objects.visible_to(actor, CHANGE_MEMBER).filter(
        org_type__in=BRANCH_TYPES, is_active=True
    )
    by_ref: dict[str, Organization] = {}
    ambiguous: set[str] = set()
    for org in branches:
        by_ref[str(org.pk)] = org
        if org.name in by_ref and by_ref[org.name].pk != org.pk:
            ambiguous.add(org.name)
        by_ref.setdefault(org.name, org)
    return by_ref, ambiguous


def _holding_hashes(digests: Iterable[str]) -> set[str]:
    digests = list(digests)
    found: set[str] = set()
    for i in range(0, len(digests), IMPORT_BATCH):
        found.update(
            Member.objects.filter(
                id_number_hash__in=digests[i : i + IMPORT_BATCH], standing__in=HOLDING
            ).values_list("id_number_hash", flat=True)
        )
    return found


@atomic
def import_members(
    rows: list[MemberRow],
    *,
    actor: User,
    partial: bool = False,
    dry_run: bool = False,
    audit_data: dict[str, Any] | None = None,
    on: date | None = None,
) -> MemberImportOutcome:
    """Register many members at once with the checks of :func:`register_member`.

    Branches in scope and the ID numbers already on the rolls are loaded in bulk (no
    query per row); an ID number may appear once in the file. With any error nothing is
    written unless ``partial``, which writes the rows that passed; ``dry_run`` only
    checks. One audit record per import that writes.
    """
    on = on or timezone.localdate()
    outcome = MemberImportOutcome()
    require(actor, CHANGE_MEMBER)
    branches, ambiguous = _branches_by_reference(actor)
    planned: list[tuple[MemberRow, Member]] = []
    first_row: dict[str, int] = {}
    for row in rows:
        if row.invalid:
            continue
        reference = (row.organization or "").strip()
        try:
            if reference in ambiguous:
                raise RuleViolation(
                    _("范围内有多个党支部名为“%(name)s”，请填写党支部编号。") % {"name": reference},
                    field="organization",
                )
            organization = branches.get(reference)
            if organization is None:
                raise RuleViolation(
                    _("党支部“%(name)s”不存在或不在您的管理范围内（须为党支部名称或编号）。")
                    % {"name": reference},
                    field="organization",
                )
            if row.admitted_on is None:
                raise RuleViolation(_("请填写入党日期。"), field="admitted_on")
            profile = {k: v for k, v in row.profile.items() if k in IMPORT_PROFILE}
            if not profile.get("ethnicity"):
                profile.pop("ethnicity", None)
            profile["education"] = profile.get("education") or ""
            member = _new_member(
                actor=actor,
                organization=organization,
                name=row.name,
                id_number=row.id_number,
                status=row.status,
                category=row.category,
                admitted_on=row.admitted_on,
                applied_on=row.applied_on,
                converted_on=row.converted_on,
                on=on,
                **profile,
            )
            first = first_row.setdefault(member.id_number_hash, row.ref)
            if first != row.ref:
                raise RuleViolation(
                    _("与第%(row)d行是同一身份证号。") % {"row": first}, field="id_number"
                )
        except RuleViolation as exc:  # RuleViolations: every reason of the row
            for error in getattr(exc, "errors", [exc]):
                outcome.errors.append((row.ref, error.field or "", str(error.message)))
            continue
        planned.append((row, member))
    taken = _holding_hashes(m.id_number_hash for _r, m in planned)
    if taken:
        kept = []
        for row, member in planned:
            if member.id_number_hash in taken:
                outcome.errors.append((row.ref, "id_number", _(DUPLICATE_ID)))
            else:
                kept.append((row, member))
        planned = kept
    outcome.errors.sort()
    failed = bool(outcome.errors) or any(r.invalid for r in rows)
    if dry_run or (failed and not partial) or not planned:
        return outcome
    members = [m for _r, m in planned]
    try:
        with transaction.atomic():
            Member.objects.bulk_create(members, batch_size=IMPORT_BATCH)
    except IntegrityError:
        raise Conflict(_("导入期间有相同身份证号的党员被登记，请重新导入。")) from None
    MemberEvent.objects.bulk_create(
        [
            MemberEvent(
                member=m,
                kind=EventKind.REGISTERED,
                occurred_on=on,
                actor=actor,
                note=_("批量导入"),
                data={"organization": m.organization.name},
            )
            for m in members
        ],
        batch_size=IMPORT_BATCH,
    )
    outcome.written = len(members)
    audit.log(
        "party.member.imported",
        actor=actor,
        data={
            **(audit_data or {}),
            "rows_written": outcome.written,
            "rows_failed": len({ref for ref, _f, _m in outcome.errors}),
        },
    )
    return outcome


def _locked_member(
    member: Member, actor: User, perm: str = CHANGE_MEMBER, version: int | None = None
) -> Member:
    member = lock(member)
    require(actor, perm, member)
    check_version(member, version)
    return member


@atomic
def update_member(
    member: Member, *, actor: User, version: int | None, on: date, **fields: Any
) -> Member:
    member = _locked_member(member, actor, version=version)
    allowed = PROFILE_FIELDS | {"name", "applied_on", "admitted_on", "converted_on", "status"}
    unknown = set(fields) - allowed
    if unknown:
        raise RuleViolation(_("字段“%(f)s”不可修改。") % {"f": ", ".join(sorted(unknown))})
    if "phone" in fields and fields["phone"]:
        fields["phone"] = pii.normalize_phone(fields["phone"])
    if "name" in fields and not (fields["name"] or "").strip():
        raise RuleViolation(_("姓名不能为空。"), field="name")
    _check_group(fields.get("party_group", member.party_group), member.organization)
    if "household" in fields:
        _check_household(actor, fields["household"])
    merged = {
        k: fields.get(k, getattr(member, k))
        for k in ("applied_on", "admitted_on", "converted_on", "status")
    }
    _check_dates(birth=member.birth_date, **merged)
    changed = {
        k: [str(getattr(member, k)), str(v)] for k, v in fields.items() if getattr(member, k) != v
    }
    if not changed:
        return member
    for key in changed:
        setattr(member, key, fields[key])
    derived = {}
    if "name" in changed:
        derived.update(name_fields(member.name))
    if "phone" in changed:
        derived["phone_tail"] = (member.phone or "")[-4:]
    for key, value in derived.items():
        setattr(member, key, value)
    member.version += 1
    member.save(update_fields=[*changed, *derived, "version", "updated_at"])
    _event(member, EventKind.PROFILE_CHANGED, on, actor, fields=sorted(changed))
    audit.log("party.member.changed", actor=actor, target=member, data={"fields": sorted(changed)})
    return member


# The full ID number for a role that needs it; every view is audited.
reveal_id_number = partial(reveal, perm=VIEW_MEMBER_PII, action="party.member.pii_viewed")


@atomic
def move_member(
    member: Member,
    *,
    actor: User,
    version: int | None,
    to_org: Organization,
    on: date,
    note: str = "",
) -> Member:
    """Move a member between branches the actor manages (not a relation transfer)."""
    member = _locked_member(member, actor, version=version)
    require(actor, CHANGE_MEMBER, to_org)
    _check_branch(to_org, "to_org")
    if to_org.pk == member.organization_id:
        raise RuleViolation(_("党员已在该党支部。"), field="to_org")
    source = member.organization
    member.organization, member.path, member.party_group = to_org, to_org.path, None
    member.version += 1
    member.save(update_fields=["organization", "path", "party_group", "version", "updated_at"])
    _event(member, EventKind.MOVED, on, actor, note, source=source.name, target=to_org.name)
    audit.log(
        "party.member.moved", actor=actor, target=member, data={"from": source.pk, "to": to_org.pk}
    )
    return member


@atomic
def change_category(
    member: Member, *, actor: User, version: int | None, category: str, on: date, note: str = ""
) -> Member:
    member = _locked_member(member, actor, version=version)
    if category not in Category.values:
        raise RuleViolation(_("党员类别不正确。"), field="category")
    if category == member.category:
        raise RuleViolation(_("类别未改变。"), field="category")
    if member.category == Category.POCKET:
        raise RuleViolation(_("口袋党员须通过组织关系转入转为本社区党员。"), field="category")
    previous = member.category
    member.category = category
    member.version += 1
    member.save(update_fields=["category", "version", "updated_at"])
    _event(
        member, EventKind.CATEGORY_CHANGED, on, actor, note, previous=previous, category=category
    )
    audit.log(
        "party.member.category_changed",
        actor=actor,
        target=member,
        data={"from": previous, "to": category},
    )
    return member


@atomic
def convert_to_full(member: Member, *, actor: User, version: int | None, on: date) -> Member:
    """转正: status full from ``on``; 党龄 counts from this day."""
    member = _locked_member(member, actor, version=version)
    if member.status != MemberStatus.PROBATIONARY:
        raise RuleViolation(_("只有预备党员可以转正。"), field="status")
    if on < member.admitted_on:
        raise RuleViolation(_("转正日期不能早于入党日期。"), field="converted_on")
    member.status, member.converted_on = MemberStatus.FULL, on
    member.version += 1
    member.save(update_fields=["status", "converted_on", "version", "updated_at"])
    _event(member, EventKind.CONVERTED, on, actor)
    audit.log("party.member.converted", actor=actor, target=member, data={"on": str(on)})
    return member


@atomic
def record_contact(
    member: Member, *, actor: User, on: date, method: str, note: str = ""
) -> FloatingContact:
    member = _locked_member(member, actor)
    if not (method or "").strip():
        raise RuleViolation(_("请填写联系方式（电话、走访、微信等）。"), field="method")
    contact = FloatingContact.objects.create(
        member=member,
        path=member.path,
        contacted_on=on,
        method=method.strip(),
        note=note,
        actor=actor,
    )
    if member.last_contact_on is None or on > member.last_contact_on:
        member.last_contact_on = on
        member.save(update_fields=["last_contact_on", "updated_at"])
    _event(member, EventKind.CONTACTED, on, actor, note, method=method)
    audit.log("party.member.contacted", actor=actor, target=member, data={"method": method})
    return contact


def months_out_of_contact(member: Member, today: date) -> int | None:
    if member.last_contact_on is None:
        return None
    months = (
        (today.year - member.last_contact_on.year) * 12 + today.month - member.last_contact_on.month
    )
    if today.day < member.last_contact_on.day:
        months -= 1
    return months


# --- Standing (党籍): one declared workflow --------------------------------------------

STANDING_EVENTS = {
    "suspend": EventKind.SUSPENDED,
    "restore": EventKind.RESTORED,
    "remove": EventKind.REMOVED,
    "death": EventKind.DECEASED,
}


def _standing_event(
    member: Member,
    actor: User,
    action: str,
    from_state: str,
    note: str,
    at: date | None,
    data: dict[str, Any],
) -> None:
    if action in STANDING_EVENTS:  # a transfer's receipt writes its own event
        assert at is not None  # each of these services commits with its day (at=on)
        _event(member, STANDING_EVENTS[action], at, actor, note)


ST = Standing
STANDING_WORKFLOW = register(
    "party.member.standing",
    Workflow(
        model=Member,
        state_field="standing",
        audit_prefix="party.member",
        event=_standing_event,
        transitions={
            "suspend": step(
                {ST.ACTIVE},
                ST.SUSPENDED,
                perm=CHANGE_MEMBER,
                audit="suspended",
                refusal=gettext_lazy("只有党籍正常的党员可以停止党籍。"),
            ),
            "restore": step(
                {ST.SUSPENDED},
                ST.ACTIVE,
                perm=CHANGE_MEMBER,
                audit="restored",
                refusal=gettext_lazy("只有停止党籍的党员可以恢复。"),
            ),
            "remove": step(
                set(HOLDING),
                ST.REMOVED,
                perm=CHANGE_MEMBER,
                audit="removed",
                refusal=gettext_lazy("该党员已不在册。"),
            ),
            "death": step(
                set(HOLDING),
                ST.DECEASED,
                perm=CHANGE_MEMBER,
                audit="deceased",
                refusal=gettext_lazy("该党员已不在册。"),
            ),
            # The receipt of an outward transfer (confirm_transfer) ends the membership here.
            "transfer_out": step(
                {ST.ACTIVE},
                ST.TRANSFERRED_OUT,
                perm=MANAGE_TRANSFER,
                audit="transferred_out",
                internal=True,
            ),
        },
    ),
)


@atomic
def suspend_standing(
    member: Member, *, actor: User, version: int | None, on: date, note: str = ""
) -> Member:
    """停止党籍: only after the configured months out of contact (RULES.md: 6)."""
    member = STANDING_WORKFLOW.begin(member, actor, "suspend", version)
    limit = param("party.lost_contact_months", on)
    if member.last_contact_on is None or add_months(member.last_contact_on, limit) > on:
        raise RuleViolation(
            _("失去联系满%(n)d个月方可停止党籍；最近联系日期为%(d)s。")
            % {"n": limit, "d": member.last_contact_on or _("未记录")},
            field="standing",
        )
    member.suspended_on = on
    return STANDING_WORKFLOW.commit(
        member, actor, "suspend", fields=["suspended_on"], note=note, at=on
    )


@atomic
def restore_standing(
    member: Member, *, actor: User, version: int | None, on: date, note: str = ""
) -> Member:
    member = STANDING_WORKFLOW.begin(member, actor, "restore", version)
    member.suspended_on, member.last_contact_on = None, on
    return STANDING_WORKFLOW.commit(
        member, actor, "restore", fields=["suspended_on", "last_contact_on"], note=note, at=on
    )


@atomic
def remove_member(
    member: Member, *, actor: User, version: int | None, on: date, reason: str
) -> Member:
    member = STANDING_WORKFLOW.begin(member, actor, "remove", version)
    if not (reason or "").strip():
        raise RuleViolation(_("请填写除名依据。"), field="reason")
    return STANDING_WORKFLOW.commit(member, actor, "remove", note=reason, at=on)


@atomic
def record_death(
    member: Member, *, actor: User, version: int | None, on: date, note: str = ""
) -> Member:
    member = STANDING_WORKFLOW.begin(member, actor, "death", version)
    return STANDING_WORKFLOW.commit(member, actor, "death", note=note, at=on)


# --- Organizational-relation transfers (组织关系接转) ----------------------------------
#
# One declared workflow (TRANSFER_WORKFLOW on core.workflow): each action's states, and
# the side that takes it (the sending or the receiving organization's permission). The
# sending organization stays responsible for the member until the receiver accepts.


def _internal(transfer: Transfer, actor: User | None) -> None:
    if transfer.kind != TransferKind.INTERNAL:
        raise RuleViolation(_("只有系统内的转接由接收方办理。"), field="state")


def _receipt_due(transfer: Transfer, actor: User | None) -> None:
    """An internal transfer is confirmed once received; an outward one when its receipt
    (回执) comes back while it is still sent."""
    due = TransferState.RECEIVED if transfer.kind == TransferKind.INTERNAL else TransferState.SENT
    if transfer.state != due:
        raise RuleViolation(
            _("当前状态“%(s)s”下不能确认回执。") % {"s": transfer.get_state_display()},
            field="state",
        )


TS = TransferState
TRANSFER_WORKFLOW = register(
    "party.transfer",
    Workflow(
        model=Transfer,
        state_field="state",
        audit_prefix="party.transfer",
        transitions={
            "receive": step(
                {TS.SENT},
                TS.RECEIVED,
                perm=MANAGE_TRANSFER,
                on="to_org",
                guards=[_internal],
                audit="received",
            ),
            "return": step(
                {TS.SENT},
                TS.RETURNED,
                perm=MANAGE_TRANSFER,
                on="to_org",
                guards=[_internal],
                audit="returned",
            ),
            "cancel": step(
                {TS.SENT}, TS.CANCELLED, perm=MANAGE_TRANSFER, on="from_org", audit="cancelled"
            ),
            "confirm": step(
                {TS.SENT, TS.RECEIVED},
                TS.COMPLETED,
                perm=MANAGE_TRANSFER,
                on="from_org",
                guards=[_receipt_due],
                audit="confirmed",
            ),
        },
    ),
)


def allowed_actions(transfer: Transfer) -> list[str]:
    """What the transfer's state allows, whichever side takes it (the API's next_actions)."""
    return TRANSFER_WORKFLOW.possible(transfer)


def _letter(letter_no: str, issued_on: date) -> tuple[str, date]:
    letter_no = (letter_no or "").strip()
    if not letter_no:
        raise RuleViolation(_("请填写介绍信编号。"), field="letter_no")
    return letter_no, add_months(issued_on, param("party.letter_validity_months", issued_on))


def _no_open_transfer(member: Member) -> None:
    if member.transfers.filter(state__in=[TransferState.SENT, TransferState.RECEIVED]).exists():
        raise RuleViolation(_("该党员已有办理中的组织关系转接。"), field="member")


@atomic
def send_transfer(
    member: Member,
    *,
    actor: User,
    to_org: Organization | None = None,
    external_org: str = "",
    letter_no: str,
    issued_on: date,
    reason: str = "",
) -> Transfer:
    """Issue the introduction letter: to an organization in the system (internal) or outside."""
    member = _locked_member(member, actor, perm=MANAGE_TRANSFER)
    if member.standing != Standing.ACTIVE:
        raise RuleViolation(_("只有党籍正常的党员可以转出组织关系。"), field="member")
    _no_open_transfer(member)
    letter_no, valid_until = _letter(letter_no, issued_on)
    if to_org is not None:
        # The receiving organization must be one the actor can see (RULES: out of scope refused).
        if not actor.has_perm("party.view_organization", to_org):
            raise RuleViolation(
                _("接收党组织不存在或不在管辖范围内；系统外请按“转出到系统外”办理。"),
                field="to_org",
            )
        _check_branch(to_org, "to_org")
        if to_org.pk == member.organization_id:
            raise RuleViolation(_("接收党组织不能是党员当前所在党支部。"), field="to_org")
        kind, to_path = TransferKind.INTERNAL, to_org.path
    else:
        if not (external_org or "").strip():
            raise RuleViolation(_("请选择接收党组织或填写系统外党组织名称。"), field="external_org")
        kind, to_path = TransferKind.OUT, ""
    transfer = Transfer.objects.create(
        member=member,
        kind=kind,
        from_org=member.organization,
        to_org=to_org,
        external_org=external_org.strip(),
        from_path=member.path,
        to_path=to_path,
        letter_no=letter_no,
        issued_on=issued_on,
        valid_until=valid_until,
        reason=reason,
    )
    _event(
        member,
        EventKind.TRANSFER_OUT,
        issued_on,
        actor,
        reason,
        letter_no=letter_no,
        target=to_org.name if to_org else external_org,
    )
    audit.log("party.transfer.sent", actor=actor, target=transfer, data={"kind": kind})
    return transfer


@atomic
def receive_transfer(transfer: Transfer, *, actor: User, version: int | None, on: date) -> Transfer:
    """The receiving branch accepts: the member joins it from today."""
    transfer = TRANSFER_WORKFLOW.begin(transfer, actor, "receive", version)
    assert transfer.to_org is not None and transfer.from_org is not None  # internal (guard)
    if on > transfer.valid_until:
        raise RuleViolation(
            _("介绍信已于%(d)s过期，请转出方重新开具。") % {"d": transfer.valid_until},
            field="received_on",
        )
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    member.organization, member.path, member.party_group = (
        transfer.to_org,
        transfer.to_org.path,
        None,
    )
    if member.category == Category.POCKET:
        member.category = Category.SELF_MANAGED
    member.version += 1
    member.save(
        update_fields=["organization", "path", "party_group", "category", "version", "updated_at"]
    )
    _event(
        member,
        EventKind.TRANSFER_IN,
        on,
        actor,
        letter_no=transfer.letter_no,
        source=transfer.from_org.name,
    )
    transfer.received_on = on
    return TRANSFER_WORKFLOW.commit(transfer, actor, "receive", fields=["received_on"])


@atomic
def return_transfer(
    transfer: Transfer, *, actor: User, version: int | None, reason: str
) -> Transfer:
    transfer = TRANSFER_WORKFLOW.begin(transfer, actor, "return", version)
    if not (reason or "").strip():
        raise RuleViolation(_("退回须说明理由。"), field="reason")
    transfer.reason = reason.strip()
    return TRANSFER_WORKFLOW.commit(transfer, actor, "return", fields=["reason"])


@atomic
def cancel_transfer(transfer: Transfer, *, actor: User, version: int | None) -> Transfer:
    transfer = TRANSFER_WORKFLOW.begin(transfer, actor, "cancel", version)
    return TRANSFER_WORKFLOW.commit(transfer, actor, "cancel")


@atomic
def confirm_transfer(transfer: Transfer, *, actor: User, version: int | None, on: date) -> Transfer:
    """The sender files the receipt (回执): internal transfers close; outward ones end the
    membership here."""
    transfer = TRANSFER_WORKFLOW.begin(transfer, actor, "confirm", version)
    if transfer.kind == TransferKind.OUT:
        member = STANDING_WORKFLOW.begin(transfer.member, actor, "transfer_out")
        STANDING_WORKFLOW.commit(member, actor, "transfer_out")
    transfer.completed_on = on
    return TRANSFER_WORKFLOW.commit(transfer, actor, "confirm", fields=["completed_on"])


@atomic
def receive_from_outside(
    *,
    actor: User,
    to_org: Organization,
    letter_no: str,
    issued_on: date,
    external_org: str,
    received_on: date,
    member: Member | None = None,
    **member_data: Any,
) -> Transfer:
    """A letter from outside the system arrives: register the member (or turn a pocket
    member of this branch into a regular one) and complete the transfer."""
    require(actor, MANAGE_TRANSFER, to_org)
    _check_branch(to_org, "to_org")
    letter_no, valid_until = _letter(letter_no, issued_on)
    if not (external_org or "").strip():
        raise RuleViolation(_("请填写转出党组织名称。"), field="external_org")
    if received_on > valid_until:
        raise RuleViolation(_("介绍信已于%(d)s过期。") % {"d": valid_until}, field="received_on")
    if member is None:
        member = register_member(actor=actor, organization=to_org, on=received_on, **member_data)
    else:
        member = _locked_member(member, actor, perm=MANAGE_TRANSFER)
        if member.category != Category.POCKET:
            raise RuleViolation(_("只有口袋党员可以通过转入登记转为本支部党员。"), field="member")
        member.category, member.organization, member.path, member.party_group = (
            Category.SELF_MANAGED,
            to_org,
            to_org.path,
            None,  # a group of the old branch does not follow the member
        )
        member.version += 1
        member.save(
            update_fields=[
                "category",
                "organization",
                "path",
                "party_group",
                "version",
                "updated_at",
            ]
        )
    transfer = Transfer.objects.create(
        member=member,
        kind=TransferKind.IN,
        state=TransferState.COMPLETED,
        to_org=to_org,
        external_org=external_org.strip(),
        to_path=to_org.path,
        from_path="",
        letter_no=letter_no,
        issued_on=issued_on,
        valid_until=valid_until,
        received_on=received_on,
        completed_on=received_on,
    )
    _event(
        member, EventKind.TRANSFER_IN, received_on, actor, letter_no=letter_no, source=external_org
    )
    audit.log("party.transfer.received_from_outside", actor=actor, target=transfer)
    return transfer


# --- Committees ----------------------------------------------------------------------


@atomic
def add_seat(
    *, actor: User, organization: Organization, member: Member, post: str, started_on: date
) -> CommitteeSeat:
    require(actor, CHANGE_ORG, organization)
    if organization.org_type == OrgType.GROUP:
        raise RuleViolation(_("党小组不设委员会。"), field="organization")
    if member.status != MemberStatus.FULL or member.standing != Standing.ACTIVE:
        raise RuleViolation(_("委员须为党籍正常的正式党员。"), field="member")
    if not member.organization.tree_path.startswith(organization.tree_path):
        raise RuleViolation(_("委员须为本组织（含下级支部）的党员。"), field="member")
    if CommitteeSeat.objects.filter(organization=organization, member=member).exists():
        raise RuleViolation(_("该党员已是本届委员会成员。"), field="member")
    seat = CommitteeSeat.objects.create(
        organization=organization,
        member=member,
        post=post,
        path=organization.path,
        started_on=started_on,
    )
    audit.log(
        "party.committee.seat_added",
        actor=actor,
        target=organization,
        data={"member": member.pk, "post": post},
    )
    return seat


@atomic
def remove_seat(seat: CommitteeSeat, *, actor: User) -> None:
    require(actor, CHANGE_ORG, seat.organization)
    audit.log(
        "party.committee.seat_removed",
        actor=actor,
        target=seat.organization,
        data={"member": seat.member_id, "post": seat.post},
    )
    seat.delete()


@atomic
def save_cadre(
    *, actor: User, community: Area, cadre: CommunityCadre | None = None, **fields: Any
) -> CommunityCadre:
    """Add or change a member of the community's two committees."""
    if community.level != Level.COMMUNITY:
        raise RuleViolation(_("“两委”成员须登记在社区。"), field="community")
    require(actor, CHANGE_ORG, community)
    if not (fields.get("name") or "").strip():
        raise RuleViolation(_("姓名不能为空。"), field="name")
    if not fields.get("party_post") and not fields.get("residents_post"):
        raise RuleViolation(_("请至少填写一个党组织或居委会职务。"), field="party_post")
    birth_date = fields.get("birth_date")
    if not birth_date or birth_date > timezone.localdate():
        # The two-committee check counts members under 35 from it.
        raise RuleViolation(_("请填写正确的出生日期。"), field="birth_date")
    if cadre is None:
        cadre = CommunityCadre(community=community, path=community.path)
    for key, val in fields.items():
        setattr(cadre, key, val)
    cadre.save()
    audit.log("party.cadre.saved", actor=actor, target=cadre, data={"community": community.code})
    return cadre


@atomic
def remove_cadre(cadre: CommunityCadre, *, actor: User) -> None:
    require(actor, CHANGE_ORG, cadre.community)
    audit.log("party.cadre.removed", actor=actor, target=cadre)
    cadre.delete()
