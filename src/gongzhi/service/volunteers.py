"""The volunteer registry: who a signed-in user volunteers as, and the volunteer row of an
in-service member (registered when they first take part)."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core import audit
from gongzhi.core.errors import RuleViolation
from gongzhi.party.models import Member

from .models import Report, Volunteer


def of_user(user: User) -> Volunteer | None:
    """The active volunteer row of a signed-in user, if they have one."""
    if not user.is_authenticated:
        return None
    return Volunteer.objects.filter(user=user, is_active=True).select_related("community").first()


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
