"""Yearly plans of organizational life: every meeting an organization must hold in a
year, generated from the frequency parameters (``rules.slots``) as planned meetings.

A plan is generated once per organization and year and can be generated again at any
time: a meeting already in the plan (same organization, year, kind and slot) is kept as
it is — moved, notified or held — and only the missing ones are added. ``generate_all``
does the same for every organization of a subtree in bulk (the district's 3,000
organizations in one go), run in the background from the plan page."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core import audit
from gongzhi.core.errors import Problems, RuleViolation
from gongzhi.core.params import value as param
from gongzhi.core.services import atomic, check_version, require
from gongzhi.party.choices import OrgType
from gongzhi.party.models import Organization

from . import rules
from .choices import MeetingKind, MeetingState
from .models import Meeting, Plan
from .permissions import CHANGE

CHUNK = 500  # organizations per round of generate_all
INSERT_BATCH = 2000  # meetings per INSERT
FIRST_YEAR, LAST_YEAR = 2000, 2100

# Organization types that have a plan of their own (rules.org_class is not None).
PLANNED_TYPES = tuple(t for t in OrgType.values if rules.org_class(t) is not None)


def check_year(year: Any) -> int:
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise RuleViolation(
            _("年度应为 %(first)d 至 %(last)d 之间的年份。")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field="year",
        )
    return year


def check_theme_day(day: Any) -> int:
    if not isinstance(day, int) or not 1 <= day <= 28:
        raise RuleViolation(_("主题党日固定日应为每月 1 至 28 日中的一天。"), field="theme_day")
    return day


def default_theme_day(year: int) -> int:
    return int(param("orglife.theme_day", date(year, 1, 1)))


def _meeting(organization: Organization, plan: Plan, slot: rules.Slot) -> Meeting:
    return Meeting(
        organization_id=organization.pk,
        path=organization.path,
        kind=slot.kind,
        plan_id=plan.pk,
        year=slot.year,
        slot=slot.slot,
        due_on=slot.due_on,
        planned_on=slot.planned_on,
        state=MeetingState.PLANNED,
    )


def _existing_slots(org_ids: Iterable[int], year: int) -> set[tuple[int, str, int]]:
    """(organization, kind, slot) of the planned meetings already there, moved or not."""
    return set(
        Meeting.objects.filter(
            organization_id__in=list(org_ids), year=year, slot__gt=0
        ).values_list("organization_id", "kind", "slot")
    )


@atomic
def generate_plan(
    actor: User, organization: Organization, year: int, theme_day: int | None = None
) -> Plan:
    """The organization's plan for ``year`` with every meeting the rules require that is
    not in it yet. ``theme_day`` (the 主题党日's fixed day of the month) defaults to the
    plan's own, else to the parameter; a new one re-dates the plan's 主题党日 not yet
    notified (``set_theme_day``)."""
    require(actor, CHANGE, organization)
    problems = Problems()
    with problems.check():
        check_year(year)
    with problems.check():
        if theme_day is not None:
            check_theme_day(theme_day)
    with problems.check():
        if rules.org_class(organization.org_type) is None:
            raise RuleViolation(
                _("“%(type)s”没有自己的年度组织生活计划。")
                % {"type": organization.get_org_type_display()},
                field="organization",
            )
    problems.raise_any()
    plan = Plan.objects.filter(organization=organization, year=year).first()
    created = plan is None
    if plan is None:
        plan = Plan.objects.create(
            organization=organization,
            path=organization.path,
            year=year,
            theme_day=theme_day or default_theme_day(year),
        )
    elif theme_day is not None and theme_day != plan.theme_day:
        _redate_theme_days(plan, theme_day)
    existing = _existing_slots([organization.pk], year)
    new = [
        _meeting(organization, plan, slot)
        for slot in rules.slots(organization.org_type, year, plan.theme_day)
        if (organization.pk, slot.kind, slot.slot) not in existing
    ]
    Meeting.objects.bulk_create(new, batch_size=INSERT_BATCH)
    # Meetings of the year's slots made before the plan (by hand) join it.
    Meeting.objects.filter(
        organization=organization, year=year, slot__gt=0, plan__isnull=True
    ).update(plan=plan)
    audit.log(
        "orglife.plan.generated",
        actor=actor,
        target=plan,
        data={"year": year, "new_plan": created, "meetings_added": len(new)},
    )
    return plan


def _redate_theme_days(plan: Plan, day: int) -> int:
    """Re-date the plan's 主题党日 that are neither notified nor moved by hand."""
    moved = 0
    meetings = Meeting.objects.filter(
        plan=plan,
        kind=MeetingKind.THEME_DAY,
        state=MeetingState.PLANNED,
        original_on__isnull=True,
    )
    for meeting in meetings:
        on = rules.theme_day_on(meeting.planned_on.year, meeting.planned_on.month, day)
        if on != meeting.planned_on:
            meeting.planned_on = on
            meeting.version += 1
            meeting.save(update_fields=["planned_on", "version", "updated_at"])
            moved += 1
    plan.theme_day = day
    plan.version += 1
    plan.save(update_fields=["theme_day", "version"])
    return moved


@atomic
def set_theme_day(plan: Plan, day: int, *, actor: User, version: int | None = None) -> int:
    """Change the plan's fixed theme day; its 主题党日 that are not yet notified (and not
    moved by hand) move to the new day of their month. Returns how many moved."""
    require(actor, CHANGE, plan)
    check_version(plan, version)
    check_theme_day(day)
    before = plan.theme_day
    moved = _redate_theme_days(plan, day)
    audit.log(
        "orglife.plan.theme_day",
        actor=actor,
        target=plan,
        data={"from": before, "to": day, "meetings_moved": moved},
    )
    return moved


@dataclass
class Generated:
    organizations: int = 0
    plans: int = 0
    meetings: int = 0


def planned_organizations(actor: User, under: Area | Organization) -> QuerySet[Organization]:
    """The active organizations with a plan of their own in ``under`` (an area's subtree or
    an organization's) that ``actor`` may plan for."""
    orgs = Organization.objects.visible_to(actor, CHANGE).filter(
        org_type__in=PLANNED_TYPES, is_active=True
    )
    if isinstance(under, Area):
        return orgs.filter(path__under=under.path)
    return orgs.filter(tree_path__under=under.tree_path)


def _chunks(qs: QuerySet[Organization]) -> Iterator[list[Organization]]:
    last = 0
    while rows := list(
        qs.filter(pk__gt=last).order_by("pk").only("pk", "org_type", "path")[:CHUNK]
    ):
        yield rows
        last = rows[-1].pk


@atomic
def generate_all(actor: User, year: int, under: Area | Organization) -> Generated:
    """Every plan of ``year`` in ``under``, in bulk: the missing plans, then the missing
    meetings of every plan (existing ones are kept, as in ``generate_plan``)."""
    require(actor, CHANGE, under)
    check_year(year)
    theme_default = default_theme_day(year)
    slots_of: dict[tuple[str, int], list[rules.Slot]] = {}
    done = Generated()
    for orgs in _chunks(planned_organizations(actor, under)):
        ids = [o.pk for o in orgs]
        plans = {
            p.organization_id: p for p in Plan.objects.filter(organization_id__in=ids, year=year)
        }
        missing = [
            Plan(organization_id=o.pk, path=o.path, year=year, theme_day=theme_default)
            for o in orgs
            if o.pk not in plans
        ]
        if missing:
            Plan.objects.bulk_create(missing, batch_size=INSERT_BATCH)
            # Read back for their keys (not every database returns them from a bulk insert).
            plans.update(
                (p.organization_id, p)
                for p in Plan.objects.filter(
                    organization_id__in=[p.organization_id for p in missing], year=year
                )
            )
        existing = _existing_slots(ids, year)
        new: list[Meeting] = []
        for org in orgs:
            plan = plans[org.pk]
            key = (org.org_type, plan.theme_day)
            if key not in slots_of:
                slots_of[key] = rules.slots(org.org_type, year, plan.theme_day)
            new.extend(
                _meeting(org, plan, slot)
                for slot in slots_of[key]
                if (org.pk, slot.kind, slot.slot) not in existing
            )
        Meeting.objects.bulk_create(new, batch_size=INSERT_BATCH)
        done.organizations += len(orgs)
        done.plans += len(missing)
        done.meetings += len(new)
    audit.log(
        "orglife.plan.generated_all",
        actor=actor,
        target=under,
        data={
            "year": year,
            "organizations": done.organizations,
            "plans_added": done.plans,
            "meetings_added": done.meetings,
        },
    )
    return done


def start_generate_all(actor: User, year: int, under: Area | Organization) -> None:
    """Check the request now and generate in the background (``tasks.generate_plans``)."""
    from gongzhi.core import queue

    from . import tasks

    require(actor, CHANGE, under)
    check_year(year)
    kind = "area" if isinstance(under, Area) else "organization"
    audit.log(
        "orglife.plan.generate_all_started",
        actor=actor,
        target=under,
        data={"year": year, "at": timezone.now().isoformat(timespec="seconds")},
    )
    queue.after_commit(tasks.generate_plans, actor.pk, year, kind, under.pk)
