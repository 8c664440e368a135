"""The volunteer registry: who a signed-in user volunteers as, and the volunteer row of an
in-service member (registered when they first take part); residents who volunteer
(registering themselves or registered by staff), editing, deactivating; the talent pool
(skills and hobbies) the posts are matched against."""

import re
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core import audit
from gongzhi.core.errors import NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.services import atomic, deny, lock, require
from gongzhi.party.choices import HOLDING
from gongzhi.party.models import Member
from gongzhi.residents.models import Resident

from .models import Report, Volunteer
from .permissions import CHANGE, TAKE_PART, VIEW


def of_user(user: User) -> Volunteer | None:
    """The active volunteer row of a signed-in user, if they have one."""
    if not user.is_authenticated:
        return None
    return Volunteer.objects.filter(user=user, is_active=True).select_related("community").first()


@atomic
def for_member(member: Member, *, on: date, actor: User | None = None) -> Volunteer:
    """The volunteer row of an in-service member, registered in the community they reported
    to (or live in) the first time they take part."""
    existing = Volunteer.objects.filter(member=member).first()
    if existing is not None:
        return existing
    report = (
        Report.objects.filter(member=member, status="confirmed").select_related("community").first()
    )
    if report is not None:
        community = report.community
    elif member.household_id is not None:
        community = Area.objects.get(path=community_path(member.household.path))
    else:
        raise RuleViolation(_("该党员尚未到社区报到，也未登记居住户，无法登记为志愿者。"))
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction goes on
            volunteer = Volunteer.objects.create(
                community=community,
                path=community.path,
                name=member.name,
                phone=member.phone,
                member=member,
                user=member.user,
                skills=(report.skills if report and report.skills else member.skills),
                hobbies=member.hobbies,
                joined_on=on,
            )
    except IntegrityError:  # registered meanwhile by a concurrent request
        return Volunteer.objects.get(member=member)
    audit.log("service.volunteer.registered", actor=actor, target=volunteer)
    return volunteer


def community_path(path: str) -> str:
    """The path of the community a place (grid, building, household…) lies in."""
    return "/".join(path.split("/")[:4]) + "/"


# --- Reads ------------------------------------------------------------------------------


def volunteers_for(user: User, perm: str = VIEW) -> QuerySet[Volunteer]:
    return Volunteer.objects.visible_to(user, perm).select_related("community", "member")


def get_volunteer(user: User, pk: int | str, perm: str = VIEW) -> Volunteer:
    try:
        return volunteers_for(user, perm).get(pk=pk)
    except (Volunteer.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def own_member(user: User) -> Member | None:
    """The signed-in user's own party membership, if any."""
    if not user.is_authenticated:
        return None
    return Member.objects.filter(user=user, standing__in=HOLDING).first()


def own_resident(user: User) -> Resident | None:
    """The resident record bound to a signed-in user's account, if any."""
    if not user.is_authenticated:
        return None
    return Resident.objects.filter(user=user, present=True).first()


def may_register_self(user: User) -> bool:
    """A signed-in resident bound to their resident record whose account volunteers not
    yet registers themselves (我的志愿服务 and 我的活动 offer it)."""
    return (
        user.has_perm(TAKE_PART)
        and own_resident(user) is not None
        and not Volunteer.objects.filter(user=user).exists()
    )


# --- The talent pool ----------------------------------------------------------------------

SEPARATORS = re.compile(r"[,，、;；/\s]+")


def words(*texts: str) -> set[str]:
    """The words of comma/、-separated lists of skills or hobbies."""
    return {w for text in texts for w in SEPARATORS.split(text or "") if w}


def talents(volunteer: Volunteer) -> set[str]:
    """A volunteer's skills and hobbies from the registry and, for a party member, from
    their member record (the talent pool)."""
    found = words(volunteer.skills, volunteer.hobbies)
    if volunteer.member_id is not None:
        found |= words(volunteer.member.skills, volunteer.member.hobbies)
    return found


# --- Writes ---------------------------------------------------------------------------------


def _check_lists(problems: Problems, skills: str, hobbies: str) -> None:
    for field, value, label in (
        ("skills", skills, _("特长技能")),
        ("hobbies", hobbies, _("兴趣爱好")),
    ):
        with problems.check():
            if len(value) > 200:
                raise RuleViolation(
                    _("%(f)s最多200字，现有%(n)d字。") % {"f": label, "n": len(value)}, field=field
                )


@atomic
def register_resident(
    *,
    actor: User,
    resident: Resident | None = None,
    skills: str = "",
    hobbies: str = "",
    phone: str = "",
    on: date | None = None,
) -> Volunteer:
    """A resident who volunteers: themselves (``resident`` None: the actor's own record,
    with ``TAKE_PART``) or registered by staff of their community (``CHANGE``)."""
    if resident is None:
        resident = own_resident(actor)
        if resident is None or not actor.has_perm(TAKE_PART):
            deny(
                actor,
                TAKE_PART,
                refusal=RuleViolation(
                    _("您的账号尚未绑定居民信息，请联系社区登记后再注册志愿者。"), field="resident"
                ),
            )
        # Staff registered them before their account was bound: the row becomes theirs.
        unlinked = Volunteer.objects.filter(resident=resident, user=None).first()
        if unlinked is not None and not Volunteer.objects.filter(user=actor).exists():
            return _link_account(unlinked, actor)
    else:
        require(actor, CHANGE, resident)
    problems = Problems()
    _check_lists(problems, skills, hobbies)
    with problems.check():
        if Volunteer.objects.filter(resident=resident).exists():
            raise RuleViolation(_("该居民已登记为志愿者。"), field="resident")
    problems.raise_any()
    community = Area.objects.get(path=community_path(resident.path))
    user = resident.user if resident.user_id else None
    if user is not None and Volunteer.objects.filter(user=user).exists():
        user = None  # the account volunteers already (as a member): the row stays unlinked
    volunteer = Volunteer.objects.create(
        community=community,
        path=community.path,
        name=resident.name,
        phone=phone or resident.phone,
        resident=resident,
        user=user,
        skills=skills.strip(),
        hobbies=hobbies.strip(),
        joined_on=on or timezone.localdate(),
    )
    audit.log("service.volunteer.registered", actor=actor, target=volunteer)
    return volunteer


def _link_account(volunteer: Volunteer, actor: User) -> Volunteer:
    """The resident's own account takes over the row staff registered for them (its
    skills and hobbies stay: the volunteer edits them on 我的志愿服务)."""
    volunteer = lock(volunteer)
    volunteer.user = actor
    volunteer.save(update_fields=["user"])
    audit.log("service.volunteer.updated", actor=actor, target=volunteer, data={"linked": True})
    return volunteer


@atomic
def update_volunteer(
    volunteer: Volunteer, *, actor: User, skills: str, hobbies: str, phone: str
) -> Volunteer:
    """Skills, hobbies and phone: by staff in scope or by the volunteer themselves."""
    if not (actor.has_perm(CHANGE, volunteer) or volunteer.user_id == actor.pk):
        deny(actor, CHANGE, volunteer)
    problems = Problems()
    _check_lists(problems, skills, hobbies)
    with problems.check():
        if phone and not re.fullmatch(r"1\d{10}|0\d{2,3}-?\d{7,8}", phone):
            raise RuleViolation(_("联系电话格式不正确（手机11位或固定电话）。"), field="phone")
    problems.raise_any()
    volunteer = lock(volunteer)
    volunteer.skills, volunteer.hobbies, volunteer.phone = skills.strip(), hobbies.strip(), phone
    volunteer.save(update_fields=["skills", "hobbies", "phone"])
    audit.log("service.volunteer.updated", actor=actor, target=volunteer)
    return volunteer


@atomic
def set_active(volunteer: Volunteer, *, actor: User, active: bool) -> Volunteer:
    """Take a volunteer off the register (their hours stay) or back on it."""
    require(actor, CHANGE, volunteer)
    volunteer = lock(volunteer)
    if volunteer.is_active == active:
        raise RuleViolation(
            _("该志愿者已在册。") if active else _("该志愿者已注销。"), field="is_active"
        )
    volunteer.is_active = active
    volunteer.save(update_fields=["is_active"])
    action = "service.volunteer.reactivated" if active else "service.volunteer.deactivated"
    audit.log(action, actor=actor, target=volunteer)
    return volunteer
