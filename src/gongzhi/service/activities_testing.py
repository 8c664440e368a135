"""Volunteer activities for tests, the demo and the cross-scope walk
(tests/test_cross_scope.py): volunteers with accounts, activities published at a time
the rules allow, and check-ins taken at given moments."""

from datetime import datetime, timedelta
from decimal import Decimal

import time_machine
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Area
from gongzhi.core.testing import make_user

from . import activities, hours
from .models import Activity, Hours, Post, Team, Volunteer


def volunteer(community: Area, name: str, *, user=None, member=None, resident=None) -> Volunteer:
    """A registered volunteer of ``community`` (a resident's unless ``member`` is given)."""
    return Volunteer.objects.create(
        community=community,
        path=community.path,
        name=name,
        phone="13800000000",
        user=user,
        member=member,
        resident=resident,
        joined_on=timezone.localdate(),
    )


def volunteer_user(community: Area, username: str, name: str, *, role=Role.INSERVICE_MEMBER):
    """An account that takes part in ``community`` and its volunteer row."""
    user = make_user(username, role, community, full_name=name)
    return user, volunteer(community, name, user=user)


def at(moment: datetime):
    """Travel to ``moment`` (the clock stands still)."""
    return time_machine.travel(moment, tick=False)


def published(
    actor,
    community: Area,
    *,
    starts_at: datetime,
    hours_long: float = 2,
    capacity: int = 10,
    title: str = "社区环境整治志愿服务",
    **fields,
) -> Activity:
    """An activity created and published a day before it starts."""
    ends_at = starts_at + timedelta(hours=hours_long)
    with at(starts_at - timedelta(days=1)):
        activity = activities.create_activity(
            actor=actor,
            community=community,
            fields=activities.Fields(
                title=title,
                place=fields.pop("place", "社区党群服务中心"),
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=capacity,
                **fields,
            ),
        )
        return activities.publish_activity(activity, actor=actor, version=activity.version)


def signed_up(activity: Activity, user, *, when: datetime | None = None):
    with at(when or activity.starts_at - timedelta(hours=12)):
        return activities.sign_up(activity, actor=user)


def served(activity: Activity, user, *, late_minutes: int = 0, early_minutes: int = 0) -> Hours:
    """Checked in at the start (or later) and out at the end (or earlier)."""
    with at(activity.starts_at + timedelta(minutes=late_minutes)):
        activities.check_in(activity, actor=user, code=activity.code)
    with at(activity.ends_at - timedelta(minutes=early_minutes)):
        return activities.check_out(activity, actor=user)


def team(community: Area, name: str) -> Team:
    return Team.objects.create(community=community, path=community.path, name=name)


def post(community: Area, name: str, team_row: Team | None = None) -> Post:
    return Post.objects.create(community=community, path=community.path, name=name, team=team_row)


def cross_scope_rows(fx) -> None:
    """In each community: a team and a post, a volunteer with an account, a published
    activity with their sign-up and verified hours, and a pending make-up line of a
    second volunteer (Volunteer, Team, Post, Activity, SignUp, Hours)."""
    admin = fx.world.users["district_admin"]
    start = timezone.make_aware(datetime.combine(fx.today - timedelta(days=3), datetime.min.time()))
    start += timedelta(hours=9)
    for key, community in (("hs", fx.ours.community), ("ll", fx.sibling.community)):
        squad = team(community, f"{community.name}志愿服务队")
        post(community, f"{community.name}文明劝导岗", squad)
        user, _row = volunteer_user(community, f"zyz_{key}", f"{community.name}志愿者")
        late, _late_row = volunteer_user(community, f"zyz2_{key}", f"{community.name}补录志愿者")
        activity = published(
            admin, community, starts_at=start, title=f"{community.name}文明劝导", team=squad
        )
        signed_up(activity, user)
        signed_up(activity, late)
        served(activity, user)
        with at(activity.ends_at + timedelta(hours=3)):
            hours.enter_makeup(
                actor=late,
                activity=activity,
                served_on=timezone.localdate(activity.starts_at),
                hours=Decimal("1.50"),
                reason="忘记签到",
            )
        fx.extra[f"service_activity_{key}"] = activity
