"""Household binding (ADR 0016): a resident states their community, address and name;
the community's staff confirm it against the register — choosing the household and the
``Resident`` who is the account's owner — or decline it with a reason. A grid worker may
confirm on the spot for their grid (recorded as such). Confirming links
``Resident.user`` and gives the account the resident's role on the community."""

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core import audit
from gongzhi.core.errors import NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.notifications import notify
from gongzhi.core.services import atomic, check_version, lock, require
from gongzhi.residents.models import Resident
from gongzhi.residents.selectors import households_matching

from .choices import BindingStatus
from .models import BindingRequest
from .permissions import DECIDE_BINDING, VIEW_BINDING
from .signin import is_resident_account

NOTIFICATION_KIND = "portal.binding"
CANDIDATES = 10  # households of the register shown beside a request, at most


# --- Reading --------------------------------------------------------------------------------


def communities() -> QuerySet[Area]:
    """The communities a resident may choose from (the district's)."""
    return Area.objects.filter(level=Level.COMMUNITY).order_by("path")


def buildings(community: Area) -> QuerySet[Area]:
    return Area.objects.filter(level=Level.BUILDING, path__under=community.path).order_by("path")


def building_of(pk: int | None) -> Area | None:
    """The area a resident picked as their building (checked by request_binding)."""
    return Area.objects.filter(pk=pk).first() if pk else None


def chosen(
    user: User, household_id: int, resident_id: int
) -> tuple[Household | None, Resident | None]:
    """The household and resident a staff member chose, read through their scope (None:
    missing or out of reach; confirm_binding names the field)."""
    household = Household.objects.visible_to(user, "areas.view_household").filter(pk=household_id)
    resident = Resident.objects.visible_to(user, "residents.view_resident").filter(pk=resident_id)
    return household.first(), resident.first()


def my_binding(user: User) -> BindingRequest | None:
    """The resident's latest request (their own row, by account)."""
    if not user.is_authenticated:
        return None
    return (
        BindingRequest.objects.filter(user=user)
        .select_related("community", "household")
        .order_by("-created_at", "-id")
        .first()
    )


def bound_resident(user: User) -> Resident | None:
    """The register's resident the account is bound to, while they live there (None:
    not bound yet, or moved out)."""
    if not user.is_authenticated:
        return None
    return (
        Resident.objects.filter(user=user, present=True).select_related("household__area").first()
    )


def bound_household(user: User) -> Household | None:
    """The household of the resident the account is bound to (None until bound)."""
    resident = bound_resident(user)
    return resident.household if resident else None


def bindings_for(user: User, perm: str = VIEW_BINDING) -> QuerySet[BindingRequest]:
    """The requests of the communities the user works in (the model's scope: a grid
    worker reaches their grid's community)."""
    return BindingRequest.objects.visible_to(user, perm).select_related(
        "community", "user", "decided_by"
    )


def get_binding(user: User, pk: int | str, perm: str = VIEW_BINDING) -> BindingRequest:
    try:
        return bindings_for(user, perm).get(pk=pk)
    except (BindingRequest.DoesNotExist, ValueError):
        raise NotFoundOrForbidden() from None


def pending_for(user: User, today=None) -> QuerySet[BindingRequest]:
    """The workbench's to-do: requests waiting for a decision the user may take."""
    return bindings_for(user, DECIDE_BINDING).filter(status=BindingStatus.PENDING)


def candidates(user: User, request: BindingRequest) -> list[tuple[Household, list[Resident]]]:
    """The register's households that match what the resident stated (address, else
    name) in the request's community and the user's scope, with their present members."""
    found: dict[int, Household] = {}
    for query in (request.address, request.name):
        for household in households_matching(user, query, within=request.community)[:CANDIDATES]:
            found.setdefault(household.pk, household)
    households = list(found.values())[:CANDIDATES]
    members: dict[int, list[Resident]] = {h.pk: [] for h in households}
    for resident in Resident.objects.visible_to(user, "residents.view_resident").filter(
        household__in=households, present=True
    ):
        members[resident.household_id].append(resident)
    return [(h, members[h.pk]) for h in households]


# --- Acting ---------------------------------------------------------------------------------


@atomic
def request_binding(
    *, actor: User, community: Area | None, address: str, name: str, building: Area | None = None
) -> BindingRequest:
    """The resident asks for their household; one pending request per account."""
    address, name = (address or "").strip(), (name or "").strip()
    problems = Problems()
    if not is_resident_account(actor):
        raise RuleViolation(_("工作人员账号不能申请绑定住户。"), field=None)
    if Resident.objects.filter(user=actor).exists():
        raise RuleViolation(_("您的账号已绑定住户，无需再次申请。"), field=None)
    if BindingRequest.objects.filter(user=actor, status=BindingStatus.PENDING).exists():
        raise RuleViolation(_("您已有一份待社区确认的绑定申请，请等待确认。"), field=None)
    if community is None or community.level != Level.COMMUNITY:
        problems.add(RuleViolation(_("请选择所在社区。"), field="community"))
    if (
        building is not None
        and community is not None
        and (building.level != Level.BUILDING or not building.path.startswith(community.path))
    ):
        problems.add(
            RuleViolation(
                _("所选楼栋不属于“%(c)s”，请选择本社区的楼栋。") % {"c": community.name},
                field="building",
            )
        )
    if not address:
        problems.add(RuleViolation(_("请填写住址，如“3栋2单元501”。"), field="address"))
    elif len(address) > 100:
        problems.add(RuleViolation(_("住址不能超过100个字。"), field="address"))
    if not name:
        problems.add(RuleViolation(_("请填写您的姓名。"), field="name"))
    elif len(name) > 50:
        problems.add(RuleViolation(_("姓名不能超过50个字。"), field="name"))
    problems.raise_any()
    assert community is not None
    if building is not None:
        address = address if address.startswith(building.name) else f"{building.name}{address}"
    binding = BindingRequest.objects.create(
        user=actor,
        community=community,
        path=community.path,
        building=building,
        address=address[:100],
        name=name,
    )
    audit.log("portal.binding.requested", actor=actor, target=binding)
    return binding


def _decided(binding: BindingRequest, actor: User, status: str) -> None:
    binding.status = status
    binding.decided_by = actor
    binding.decided_at = timezone.now()
    binding.version += 1


def _tell(binding: BindingRequest, title: str, body: str = "") -> None:
    notify(
        user=binding.user,
        title=title,
        body=body,
        link=reverse("portal:bind"),
        kind=NOTIFICATION_KIND,
    )


@atomic
def confirm_binding(
    binding: BindingRequest,
    *,
    actor: User,
    household: Household | None,
    resident: Resident | None,
    on_the_spot: bool = False,
    version: int | None = None,
) -> BindingRequest:
    """Link the account to the resident of the register the actor chose. The household
    must lie in the request's community and in the actor's scope (a grid worker: their
    grid), the resident must live there and have no other account."""
    require(actor, DECIDE_BINDING, binding)
    binding = lock(binding)
    check_version(binding, version)
    if binding.status != BindingStatus.PENDING:
        raise RuleViolation(_("该申请已处理。"), field=None)
    if resident is not None:
        resident = lock(resident)  # read afresh: another request may have just bound them
    problems = Problems()
    if household is None:
        problems.add(RuleViolation(_("请选择户。"), field="household"))
    elif not household.path.startswith(binding.path):
        problems.add(
            RuleViolation(
                _("所选的户不属于申请人所选的“%(c)s”，请选择本社区的户。")
                % {"c": binding.community.name},
                field="household",
            )
        )
    elif not actor.has_perm(DECIDE_BINDING, household):
        problems.add(RuleViolation(_("该户不在您负责的范围内。"), field="household"))
    if resident is None:
        problems.add(RuleViolation(_("请选择申请人本人。"), field="resident"))
    elif household is not None and (resident.household_id != household.pk or not resident.present):
        problems.add(RuleViolation(_("所选居民不在该户居住。"), field="resident"))
    elif resident.user_id is not None and resident.user_id != binding.user_id:
        problems.add(RuleViolation(_("该居民已绑定其他账号。"), field="resident"))
    problems.raise_any()
    assert household is not None and resident is not None
    if Resident.objects.filter(user=binding.user).exclude(pk=resident.pk).exists():
        raise RuleViolation(_("该账号已绑定其他居民。"), field="resident")
    resident.user = binding.user
    resident.version += 1
    resident.save(update_fields=["user", "version", "updated_at"])
    account = binding.user
    RoleAssignment.objects.get_or_create(user=account, role=Role.RESIDENT, area=binding.community)
    if not account.home_path or not account.full_name:
        account.home_path = account.home_path or binding.path
        account.full_name = account.full_name or resident.name
        account.save(update_fields=["home_path", "full_name"])
    _decided(binding, actor, BindingStatus.CONFIRMED)
    binding.household, binding.resident, binding.on_the_spot = household, resident, on_the_spot
    binding.save()
    audit.log(
        "portal.binding.confirmed",
        actor=actor,
        target=binding,
        data={"household": household.pk, "resident": resident.pk, "on_the_spot": on_the_spot},
    )
    _tell(
        binding,
        _("您的住户绑定已确认"),
        _("社区已确认您是%(place)s的住户。") % {"place": household.address},
    )
    return binding


@atomic
def decline_binding(
    binding: BindingRequest, *, actor: User, reason: str, version: int | None = None
) -> BindingRequest:
    require(actor, DECIDE_BINDING, binding)
    binding = lock(binding)
    check_version(binding, version)
    reason = (reason or "").strip()
    if binding.status != BindingStatus.PENDING:
        raise RuleViolation(_("该申请已处理。"), field=None)
    if not reason:
        raise RuleViolation(_("请填写未通过的原因，居民会看到它。"), field="reason")
    if len(reason) > 200:
        raise RuleViolation(_("原因不能超过200个字。"), field="reason")
    _decided(binding, actor, BindingStatus.DECLINED)
    binding.reason = reason
    binding.save()
    audit.log("portal.binding.declined", actor=actor, target=binding)
    _tell(binding, _("您的住户绑定未通过"), reason)
    return binding
