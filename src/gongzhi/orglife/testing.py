"""Organizational-life fixtures for the cross-scope walk (tests/test_cross_scope.py)."""

from . import plans
from .models import Meeting


def cross_scope_rows(fx) -> None:
    """The yearly plans (with their planned meetings) of both communities' branches and
    committees: last year's (due, overdue or held: the calendar and the warning) and next
    year's."""
    admin, orgs = fx.world.users["superuser"], fx.extra["party"]
    for org in (
        orgs.ours_committee,
        orgs.ours_branch,
        orgs.ours_grid_branch,
        orgs.sibling_committee,
        orgs.sibling_branch,
    ):
        for year in (fx.today.year - 1, fx.today.year + 1):
            plans.generate_plan(admin, org, year)


def cross_scope_change(fx) -> None:
    """Next year's plan of the sibling branch, and a marked topic on its meetings."""
    branch = fx.extra["party"].sibling_branch
    plan = plans.generate_plan(fx.world.users["superuser"], branch, fx.today.year + 2)
    Meeting.objects.filter(organization=branch).update(topic=f"{fx.mark}会议")
    plans.set_theme_day(plan, 3, actor=fx.world.users["superuser"])
