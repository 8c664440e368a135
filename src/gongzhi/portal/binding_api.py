"""Household binding over the API (``/api/v1/portal/bindings``): the resident's request
and its state; the staff's list and decisions. The same services as the pages."""

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.core.api import ERRORS, ErrorOut, Id, Pagination, Text, Version
from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.core.pii import mask_phone

from . import binding
from .choices import BindingStatus
from .permissions import VIEW_BINDING

router = Router(tags=["portal"])


class BindingIn(Schema):
    community_id: Id
    building_id: Id | None = None
    address: Text(1, 100) = Field(..., description="住址，如 3栋2单元501")  # type: ignore[valid-type]
    name: Text(1, 50)  # type: ignore[valid-type]


class BindingOut(Schema):
    id: int
    community_id: int
    community: str
    address: str
    name: str
    status: BindingStatus
    reason: str
    household_id: int | None
    on_the_spot: bool
    created_at: datetime
    decided_at: datetime | None
    version: int

    @staticmethod
    def resolve_community(obj) -> str:
        return obj.community.name


class StaffBindingOut(BindingOut):
    phone: str = Field(..., description="申请人手机号（已脱敏）")

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.user.phone)


class MineOut(Schema):
    bound: bool
    household: str = Field("", description="已绑定的户的地址")
    latest: BindingOut | None


class ConfirmIn(Schema):
    household_id: Id
    resident_id: Id
    on_the_spot: bool = False
    version: Version


class DeclineIn(Schema):
    reason: Text(1, 200)  # type: ignore[valid-type]
    version: Version


class ListFilter(Schema):
    status: BindingStatus | None = None


@router.get("/mine", response={200: MineOut, ERRORS: ErrorOut})
def mine(request):
    """The resident's binding: bound or not, and their latest request."""
    resident = binding.bound_resident(request.user)
    return {
        "bound": resident is not None,
        "household": resident.household.address if resident else "",
        "latest": binding.my_binding(request.user),
    }


@router.post("/mine", response={201: BindingOut, ERRORS: ErrorOut})
def request_binding(request, payload: BindingIn):
    """Ask the community to bind the account to a household (one pending at a time)."""
    community = binding.communities().filter(pk=payload.community_id).first()
    building = binding.building_of(payload.building_id)
    return Status(
        201,
        binding.request_binding(
            actor=request.user,
            community=community,
            building=building,
            address=payload.address,
            name=payload.name,
        ),
    )


@router.get("", response={200: list[StaffBindingOut], ERRORS: ErrorOut})
@paginate(Pagination)
def bindings(request, filters: Query[ListFilter]):
    """The requests of the communities the user works in (staff)."""
    if not request.user.has_perm(VIEW_BINDING):
        raise NotFoundOrForbidden()
    rows = binding.bindings_for(request.user)
    return rows.filter(status=filters.status) if filters.status else rows


@router.get("/{int:binding_request_id}", response={200: StaffBindingOut, ERRORS: ErrorOut})
def detail(request, binding_request_id: int):
    return binding.get_binding(request.user, binding_request_id)


@router.post("/{int:binding_request_id}/confirm", response={200: StaffBindingOut, ERRORS: ErrorOut})
def confirm(request, binding_request_id: int, payload: ConfirmIn):
    """Bind the account to the chosen resident of a household of the request's community."""
    user = request.user
    obj = binding.get_binding(user, binding_request_id)
    household, resident = binding.chosen(user, payload.household_id, payload.resident_id)
    return binding.confirm_binding(
        obj,
        actor=user,
        household=household,
        resident=resident,
        on_the_spot=payload.on_the_spot,
        version=payload.version,
    )


@router.post("/{int:binding_request_id}/decline", response={200: StaffBindingOut, ERRORS: ErrorOut})
def decline(request, binding_request_id: int, payload: DeclineIn):
    obj = binding.get_binding(request.user, binding_request_id)
    return binding.decline_binding(
        obj, actor=request.user, reason=payload.reason, version=payload.version
    )
