"""Organizations, members and transfers over the API: the same selectors, services and
filtersets as the pages.

Responses carry the ID number and the phone masked only; the full ID number is never
served by the API (the audited page view is the one way to see it). Referenced objects
are fetched through the scope (404 outside it); domain errors become
``{"error": {"code", "message", "field"}}`` with a 4xx status (gongzhi/api.py).
"""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.areas import selectors as area_selectors
from gongzhi.core.api import (
    ERRORS,
    Day,
    ErrorOut,
    Id,
    Pagination,
    Text,
    Version,
    filtered,
    query_data,
)
from gongzhi.core.errors import RuleViolation

from . import selectors, services
from .choices import (
    Category,
    CommitteePost,
    Education,
    EventKind,
    MemberStatus,
    OrgType,
    Standing,
    TransferKind,
    TransferState,
)
from .filters import ALL, WARNINGS, MemberFilter, TransferFilter
from .permissions import CHANGE_MEMBER, CHANGE_ORG, MANAGE_TRANSFER, VIEW_MEMBER

router = Router(tags=["organizations"])
member_router = Router(tags=["members"])
transfer_router = Router(tags=["transfers"])


# --- Organizations ---------------------------------------------------------------------


class OrganizationOut(Schema):
    id: int
    parent_id: int | None
    name: str
    org_type: OrgType
    area_id: int
    path: str
    founded_on: date | None
    term_started_on: date | None
    term_years: int | None
    term_ends_on: date | None
    is_active: bool
    version: int


class OrganizationIn(Schema):
    parent_id: Id | None = None
    name: Text(1, 100)
    org_type: OrgType
    area_id: Id
    founded_on: Day | None = None
    term_started_on: Day | None = None
    term_years: int | None = Field(None, ge=1, le=5)


class OrganizationPatch(Schema):
    version: Version
    name: Text(1, 100) | None = None
    founded_on: Day | None = None
    term_started_on: Day | None = None
    term_years: int | None = Field(None, ge=1, le=5)
    is_active: bool | None = None


class OrganizationRenewIn(Schema):
    version: Version
    started_on: Day


class OrganizationNodeOut(Schema):
    id: int
    parent_id: int | None
    name: str
    org_type: OrgType
    area_id: int
    area_name: str
    depth: int
    members: int
    full_members: int
    subtree_members: int
    committee_size: int
    term: str = Field(..., description="none / ok / due / overdue")
    term_ends_on: date | None
    warnings: list[str]


class OrganizationFilters(Schema):
    parent_id: Id | None = None
    org_type: OrgType | None = None
    q: Text(0, 100) | None = None


class CommitteeSeatOut(Schema):
    id: int
    organization_id: int
    member_id: int
    member_name: str = Field(..., alias="member.name")
    post: CommitteePost
    started_on: date


class CommitteeSeatIn(Schema):
    member_id: Id
    post: CommitteePost
    started_on: Day


@router.get("", response={200: list[OrganizationOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_organizations(request, filters: Query[OrganizationFilters]):
    qs = selectors.organizations_for(request.user).order_by("tree_path")
    if filters.parent_id is not None:
        qs = qs.filter(parent_id=filters.parent_id)
    if filters.org_type is not None:
        qs = qs.filter(org_type=filters.org_type)
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    return qs


@router.get("/tree", response={200: list[OrganizationNodeOut], ERRORS: ErrorOut})
def organization_tree(request, root_id: Id | None = None):
    """The organization tree in tree order with member counts, committee sizes, term
    status and the size and term warnings of RULES.md."""
    root = selectors.get_organization(request.user, root_id) if root_id else None
    return [
        {
            "id": n.org.pk,
            "parent_id": n.org.parent_id,
            "name": n.org.name,
            "org_type": n.org.org_type,
            "area_id": n.org.area_id,
            "area_name": n.org.area.name,
            "depth": n.depth,
            "members": n.members,
            "full_members": n.full_members,
            "subtree_members": n.subtree_members,
            "committee_size": n.committee_size,
            "term": n.term,
            "term_ends_on": n.org.term_ends_on,
            "warnings": n.warnings,
        }
        for n in selectors.organization_tree(request.user, root=root)
    ]


@router.get("/{int:organization_id}", response={200: OrganizationOut, ERRORS: ErrorOut})
def get_organization(request, organization_id: int):
    return selectors.get_organization(request.user, organization_id)


@router.post("", response={201: OrganizationOut, ERRORS: ErrorOut})
def create_organization(request, payload: OrganizationIn):
    user = request.user
    parent = (
        selectors.get_organization(user, payload.parent_id, CHANGE_ORG)
        if payload.parent_id
        else None
    )
    area = area_selectors.get_area(user, payload.area_id, CHANGE_ORG)
    data = payload.dict(exclude={"parent_id", "area_id"})
    return Status(201, services.create_organization(actor=user, parent=parent, area=area, **data))


@router.patch("/{int:organization_id}", response={200: OrganizationOut, ERRORS: ErrorOut})
def update_organization(request, organization_id: int, payload: OrganizationPatch):
    org = selectors.get_organization(request.user, organization_id, CHANGE_ORG)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    if data.get("name", "") is None or data.get("is_active", False) is None:
        raise RuleViolation(
            _("不能为空。"), field="name" if data.get("name", "") is None else "is_active"
        )
    return services.update_organization(org, actor=request.user, version=payload.version, **data)


@router.post("/{int:organization_id}/renew", response={200: OrganizationOut, ERRORS: ErrorOut})
def renew_term(request, organization_id: int, payload: OrganizationRenewIn):
    org = selectors.get_organization(request.user, organization_id, CHANGE_ORG)
    return services.renew_term(
        org, actor=request.user, version=payload.version, started_on=payload.started_on
    )


@router.get(
    "/{int:organization_id}/seats", response={200: list[CommitteeSeatOut], ERRORS: ErrorOut}
)
def list_seats(request, organization_id: int):
    org = selectors.get_organization(request.user, organization_id)
    return list(selectors.seats_of(request.user, org))


@router.post("/{int:organization_id}/seats", response={201: CommitteeSeatOut, ERRORS: ErrorOut})
def add_seat(request, organization_id: int, payload: CommitteeSeatIn):
    org = selectors.get_organization(request.user, organization_id, CHANGE_ORG)
    member = selectors.get_member(request.user, payload.member_id)
    seat = services.add_seat(
        actor=request.user,
        organization=org,
        member=member,
        post=payload.post,
        started_on=payload.started_on,
    )
    return Status(201, seat)


@router.delete("/{int:organization_id}/seats/{int:seat_id}", response={204: None, ERRORS: ErrorOut})
def remove_seat(request, organization_id: int, seat_id: int):
    org = selectors.get_organization(request.user, organization_id, CHANGE_ORG)
    seat = selectors.get_seat(request.user, org, seat_id)
    services.remove_seat(seat, actor=request.user)
    return Status(204, None)


# --- Members -----------------------------------------------------------------------------


class MemberOut(Schema):
    """A member as the API shows it: ID number and phone masked, never in full."""

    id: int
    name: str
    sex: str
    birth_date: date
    id_number_masked: str
    phone_masked: str
    ethnicity: str
    education: str
    organization_id: int
    organization_name: str = Field(..., alias="organization.name")
    party_group_id: int | None
    status: MemberStatus
    category: Category
    standing: Standing
    applied_on: date | None
    admitted_on: date
    converted_on: date | None
    employer: str
    employer_org: str
    job: str
    skills: str
    hobbies: str
    duty_post: str
    household_id: int | None
    floating_whereabouts: str
    last_contact_on: date | None
    suspended_on: date | None
    version: int


class MemberProfileIn(Schema):
    phone: Text(0, 20) = ""
    education: Education | None = None
    ethnicity: Text(1, 20) = "汉族"
    employer: Text(0, 100) = ""
    employer_org: Text(0, 100) = ""
    job: Text(0, 50) = ""
    skills: Text(0, 200) = ""
    hobbies: Text(0, 200) = ""
    duty_post: Text(0, 50) = ""
    floating_whereabouts: Text(0, 100) = ""
    party_group_id: Id | None = None
    household_id: Id | None = None


class NewMemberIn(MemberProfileIn):
    name: Text(1, 50)
    id_number: Text(1, 20) = Field(..., description="18位或15位身份证号；响应中只返回脱敏号码")
    status: MemberStatus
    category: Category
    applied_on: Day | None = None
    admitted_on: Day
    converted_on: Day | None = None


class MemberIn(NewMemberIn):
    organization_id: Id


class MemberPatch(Schema):
    version: Version
    name: Text(1, 50) | None = None
    applied_on: Day | None = None
    admitted_on: Day | None = None
    converted_on: Day | None = None
    phone: Text(0, 20) | None = None
    education: Education | None = None
    ethnicity: Text(1, 20) | None = None
    employer: Text(0, 100) | None = None
    employer_org: Text(0, 100) | None = None
    job: Text(0, 50) | None = None
    skills: Text(0, 200) | None = None
    hobbies: Text(0, 200) | None = None
    duty_post: Text(0, 50) | None = None
    floating_whereabouts: Text(0, 100) | None = None
    party_group_id: Id | None = None
    household_id: Id | None = None


class MemberFilters(Schema):
    name: Text(0, 50) | None = None
    organization: Id | None = Field(None, description="党组织编号（含其下级党组织的党员）")
    category: Category | None = None
    status: MemberStatus | None = None
    standing: str | None = Field(
        None,
        pattern=f"^({'|'.join([*Standing.values, ALL])})$",
        description="不填为在册党员（正常、停止党籍）；all 为全部",
    )
    id_number: Text(0, 20) | None = Field(None, description="身份证号或后四位")
    phone: Text(0, 20) | None = Field(None, description="手机号后四位")
    warning: str | None = Field(None, pattern=f"^({'|'.join(WARNINGS)})$")


class MemberTalentFilters(Schema):
    skill: Text(0, 50) | None = Field(None, description="关键词，空格分隔，如：法律咨询")
    area_id: Id | None = None


class MemberEventOut(Schema):
    id: int
    kind: EventKind
    occurred_on: date
    note: str
    actor_id: int | None
    data: dict


class MemberMoveIn(Schema):
    version: Version
    to_org_id: Id
    on: Day | None = None
    note: Text(0, 200) = ""


class MemberCategoryIn(Schema):
    version: Version
    category: Category
    on: Day | None = None
    note: Text(0, 200) = ""


class MemberConvertIn(Schema):
    version: Version
    on: Day


class MemberContactIn(Schema):
    on: Day | None = None
    method: Text(1, 20)
    note: Text(0, 200) = ""


class MemberDatedNoteIn(Schema):
    version: Version
    on: Day | None = None
    note: Text(0, 200) = ""


class MemberRemoveIn(Schema):
    version: Version
    on: Day | None = None
    reason: Text(1, 200)


def _profile_refs(user, data: dict, organization=None) -> dict:
    """Turn ``party_group_id`` and ``household_id`` into scoped objects."""
    if "party_group_id" in data:
        group_id = data.pop("party_group_id")
        data["party_group"] = selectors.get_organization(user, group_id) if group_id else None
    if "household_id" in data:
        household_id = data.pop("household_id")
        data["household"] = (
            area_selectors.get_household(user, household_id) if household_id else None
        )
    if data.get("education", "") is None:
        data["education"] = ""
    return data


@member_router.get("", response={200: list[MemberOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_members(request, filters: Query[MemberFilters]):
    """Holding members unless ``standing`` says otherwise; the same filters as the page."""
    return filtered(MemberFilter, query_data(filters), selectors.members_for(request.user), request)


@member_router.get("/talent", response={200: list[MemberOut], ERRORS: ErrorOut})
@paginate(Pagination)
def talent_search(request, filters: Query[MemberTalentFilters]):
    """人才库: who can help with a skill, e.g. ``skill=法律`` within a community."""
    user = request.user
    within = (
        area_selectors.get_area(user, filters.area_id, VIEW_MEMBER) if filters.area_id else None
    )
    return selectors.talent_search(user, filters.skill or "", within)


@member_router.get("/{int:member_id}", response={200: MemberOut, ERRORS: ErrorOut})
def get_member(request, member_id: int):
    return selectors.get_member(request.user, member_id)


@member_router.get(
    "/{int:member_id}/events", response={200: list[MemberEventOut], ERRORS: ErrorOut}
)
def member_events(request, member_id: int):
    return list(selectors.timeline(selectors.get_member(request.user, member_id)))


@member_router.post("", response={201: MemberOut, ERRORS: ErrorOut})
def register_member(request, payload: MemberIn):
    user = request.user
    organization = selectors.get_organization(user, payload.organization_id, CHANGE_MEMBER)
    data = _profile_refs(user, payload.dict(exclude={"organization_id"}))
    member = services.register_member(
        actor=user, organization=organization, on=timezone.localdate(), **data
    )
    return Status(201, member)


@member_router.patch("/{int:member_id}", response={200: MemberOut, ERRORS: ErrorOut})
def update_member(request, member_id: int, payload: MemberPatch):
    user = request.user
    member = selectors.get_member(user, member_id, CHANGE_MEMBER)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    for key in ("name", "admitted_on", "ethnicity"):
        if key in data and data[key] is None:
            raise RuleViolation(_("不能为空。"), field=key)
    data = {k: ("" if v is None and k in _BLANKABLE else v) for k, v in data.items()}
    data = _profile_refs(user, data)
    return services.update_member(
        member, actor=user, version=payload.version, on=timezone.localdate(), **data
    )


_BLANKABLE = {
    "phone",
    "employer",
    "employer_org",
    "job",
    "skills",
    "hobbies",
    "duty_post",
    "floating_whereabouts",
}


def _member_action(request, member_id: int, service, payload, **extra):
    member = selectors.get_member(request.user, member_id, CHANGE_MEMBER)
    return service(member, actor=request.user, version=payload.version, **extra)


@member_router.post("/{int:member_id}/move", response={200: MemberOut, ERRORS: ErrorOut})
def move_member(request, member_id: int, payload: MemberMoveIn):
    to_org = selectors.get_organization(request.user, payload.to_org_id, CHANGE_MEMBER)
    return _member_action(
        request,
        member_id,
        services.move_member,
        payload,
        to_org=to_org,
        on=payload.on or timezone.localdate(),
        note=payload.note,
    )


@member_router.post("/{int:member_id}/category", response={200: MemberOut, ERRORS: ErrorOut})
def change_category(request, member_id: int, payload: MemberCategoryIn):
    return _member_action(
        request,
        member_id,
        services.change_category,
        payload,
        category=payload.category,
        on=payload.on or timezone.localdate(),
        note=payload.note,
    )


@member_router.post("/{int:member_id}/convert", response={200: MemberOut, ERRORS: ErrorOut})
def convert_to_full(request, member_id: int, payload: MemberConvertIn):
    return _member_action(request, member_id, services.convert_to_full, payload, on=payload.on)


@member_router.post("/{int:member_id}/contact", response={200: MemberOut, ERRORS: ErrorOut})
def record_contact(request, member_id: int, payload: MemberContactIn):
    member = selectors.get_member(request.user, member_id, CHANGE_MEMBER)
    services.record_contact(
        member,
        actor=request.user,
        on=payload.on or timezone.localdate(),
        method=payload.method,
        note=payload.note,
    )
    return selectors.get_member(request.user, member_id)


def _dated(request, member_id: int, service, payload: MemberDatedNoteIn):
    return _member_action(
        request,
        member_id,
        service,
        payload,
        on=payload.on or timezone.localdate(),
        note=payload.note,
    )


@member_router.post("/{int:member_id}/suspend", response={200: MemberOut, ERRORS: ErrorOut})
def suspend_standing(request, member_id: int, payload: MemberDatedNoteIn):
    """停止党籍: only after the configured months out of contact."""
    return _dated(request, member_id, services.suspend_standing, payload)


@member_router.post("/{int:member_id}/restore", response={200: MemberOut, ERRORS: ErrorOut})
def restore_standing(request, member_id: int, payload: MemberDatedNoteIn):
    return _dated(request, member_id, services.restore_standing, payload)


@member_router.post("/{int:member_id}/death", response={200: MemberOut, ERRORS: ErrorOut})
def record_death(request, member_id: int, payload: MemberDatedNoteIn):
    return _dated(request, member_id, services.record_death, payload)


@member_router.post("/{int:member_id}/remove", response={200: MemberOut, ERRORS: ErrorOut})
def remove_member(request, member_id: int, payload: MemberRemoveIn):
    return _member_action(
        request,
        member_id,
        services.remove_member,
        payload,
        on=payload.on or timezone.localdate(),
        reason=payload.reason,
    )


# --- Transfers ---------------------------------------------------------------------------


class TransferOut(Schema):
    id: int
    member_id: int
    member_name: str = Field(..., alias="member.name")
    kind: TransferKind
    state: TransferState
    from_org_id: int | None
    to_org_id: int | None
    external_org: str
    letter_no: str
    issued_on: date
    valid_until: date
    received_on: date | None
    completed_on: date | None
    reason: str
    overdue: bool
    next_actions: list[str] = Field(..., description="当前状态下可办理的操作（不论哪一方）")
    version: int

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return selectors.letter_overdue(obj, timezone.localdate())

    @staticmethod
    def resolve_next_actions(obj) -> list[str]:
        return sorted(services.allowed_actions(obj))


class TransferFilters(Schema):
    member: Text(0, 50) | None = Field(None, description="党员姓名")
    letter_no: Text(0, 50) | None = None
    kind: TransferKind | None = None
    state: TransferState | None = None
    overdue: bool | None = None


class TransferSendIn(Schema):
    member_id: Id
    to_org_id: Id | None = Field(None, description="系统内接收党支部；转往系统外时不填")
    external_org: Text(0, 100) = Field("", description="系统外党组织名称")
    letter_no: Text(1, 50)
    issued_on: Day
    reason: Text(0, 200) = ""


class TransferReceiveIn(Schema):
    version: Version
    on: Day | None = None


class TransferReturnIn(Schema):
    version: Version
    reason: Text(1, 200)


class TransferCancelIn(Schema):
    version: Version


class TransferConfirmIn(Schema):
    version: Version
    on: Day | None = None


class TransferFromOutsideIn(Schema):
    to_org_id: Id
    external_org: Text(1, 100)
    letter_no: Text(1, 50)
    issued_on: Day
    received_on: Day
    member_id: Id | None = Field(None, description="已登记的口袋党员；新党员不填，填 new_member")
    new_member: NewMemberIn | None = None


@transfer_router.get("", response={200: list[TransferOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_transfers(request, filters: Query[TransferFilters]):
    """Both sides see a transfer: the sending and the receiving organization."""
    queryset = selectors.transfers_for(request.user).order_by("-issued_on", "-id")
    return filtered(TransferFilter, query_data(filters), queryset, request)


@transfer_router.get("/{int:transfer_id}", response={200: TransferOut, ERRORS: ErrorOut})
def get_transfer(request, transfer_id: int):
    return selectors.get_transfer(request.user, transfer_id)


@transfer_router.post("", response={201: TransferOut, ERRORS: ErrorOut})
def send_transfer(request, payload: TransferSendIn):
    """Issue the introduction letter, to an organization in the system or outside it."""
    user = request.user
    member = selectors.get_member(user, payload.member_id, MANAGE_TRANSFER)
    to_org = selectors.get_organization(user, payload.to_org_id) if payload.to_org_id else None
    transfer = services.send_transfer(
        member,
        actor=user,
        to_org=to_org,
        external_org=payload.external_org,
        letter_no=payload.letter_no,
        issued_on=payload.issued_on,
        reason=payload.reason,
    )
    return Status(201, transfer)


@transfer_router.post("/receive-from-outside", response={201: TransferOut, ERRORS: ErrorOut})
def receive_from_outside(request, payload: TransferFromOutsideIn):
    """A letter from outside: register ``new_member`` or turn pocket member ``member_id``
    into a member of the receiving branch."""
    user = request.user
    to_org = selectors.get_organization(user, payload.to_org_id, MANAGE_TRANSFER)
    letter = payload.dict(include={"letter_no", "issued_on", "external_org", "received_on"})
    if payload.member_id:
        member = selectors.get_member(user, payload.member_id, MANAGE_TRANSFER)
        transfer = services.receive_from_outside(actor=user, to_org=to_org, member=member, **letter)
    elif payload.new_member is not None:
        data = _profile_refs(user, payload.new_member.dict())
        transfer = services.receive_from_outside(actor=user, to_org=to_org, **letter, **data)
    else:
        raise RuleViolation(
            _("请填写口袋党员编号（member_id）或新党员信息（new_member）。"), field="member_id"
        )
    return Status(201, transfer)


@transfer_router.post("/{int:transfer_id}/receive", response={200: TransferOut, ERRORS: ErrorOut})
def receive_transfer(request, transfer_id: int, payload: TransferReceiveIn):
    transfer = selectors.get_transfer(request.user, transfer_id)
    return services.receive_transfer(
        transfer, actor=request.user, version=payload.version, on=payload.on or timezone.localdate()
    )


@transfer_router.post("/{int:transfer_id}/return", response={200: TransferOut, ERRORS: ErrorOut})
def return_transfer(request, transfer_id: int, payload: TransferReturnIn):
    transfer = selectors.get_transfer(request.user, transfer_id)
    return services.return_transfer(
        transfer, actor=request.user, version=payload.version, reason=payload.reason
    )


@transfer_router.post("/{int:transfer_id}/cancel", response={200: TransferOut, ERRORS: ErrorOut})
def cancel_transfer(request, transfer_id: int, payload: TransferCancelIn):
    transfer = selectors.get_transfer(request.user, transfer_id)
    return services.cancel_transfer(transfer, actor=request.user, version=payload.version)


@transfer_router.post("/{int:transfer_id}/confirm", response={200: TransferOut, ERRORS: ErrorOut})
def confirm_transfer(request, transfer_id: int, payload: TransferConfirmIn):
    transfer = selectors.get_transfer(request.user, transfer_id)
    return services.confirm_transfer(
        transfer, actor=request.user, version=payload.version, on=payload.on or timezone.localdate()
    )


# Every transition has its route (a system check: core.workflow).
services.STANDING_WORKFLOW.routes(
    api={
        r.split("/")[-1] for r in member_router.path_operations if r.startswith("/{int:member_id}/")
    }
    & set(services.STANDING_WORKFLOW.transitions)
)
services.TRANSFER_WORKFLOW.routes(
    api={
        r.split("/")[-1]
        for r in transfer_router.path_operations
        if r.startswith("/{int:transfer_id}/")
    }
)
