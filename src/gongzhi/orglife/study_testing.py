"""Study lines and talks for the cross-scope walk (tests/test_cross_scope.py), called by
``orglife.testing.cross_scope_rows``/``cross_scope_change``."""

from datetime import timedelta

from . import rules, study, talks
from .choices import StudyKind


def _course(fx, title: str) -> study.Entry:
    return study.Entry(
        on=fx.today - timedelta(days=5), kind=StudyKind.COURSE, title=title, length=rules.HALF_DAY
    )


def cross_scope_rows(fx) -> None:
    """A course line for the two members of each community's first branch, and a talk
    between them."""
    admin = fx.world.users["district_admin"]
    ours, sibling = fx.extra["members"]
    for first, second in ((ours[0], ours[1]), (sibling[0], sibling[1])):
        study.record_study(
            [first, second], actor=admin, entry=_course(fx, f"{first.name}的学习"), today=fx.today
        )
        talks.record_talk(
            actor=admin,
            first=first,
            second=second,
            held_on=fx.today - timedelta(days=3),
            note="谈心",
            today=fx.today,
        )


def cross_scope_change(fx) -> None:
    """New lines, a correction and a talk in the sibling community, marked."""
    root = fx.world.users["superuser"]
    _ours, sibling = fx.extra["members"]
    study.record_study(
        [sibling[0], sibling[1]], actor=root, entry=_course(fx, f"{fx.mark}课程"), today=fx.today
    )
    study.correct_study(
        sibling[0],
        actor=root,
        on=fx.today,
        kind=StudyKind.COURSE,
        hours=-1,
        reason=f"{fx.mark}更正",
        today=fx.today,
    )
    talks.record_talk(
        actor=root,
        first=sibling[1],
        second=sibling[0],
        held_on=fx.today,
        note=f"{fx.mark}谈话",
        today=fx.today,
    )
