"""Walk a development file through its steps with valid dates and data: for tests and
the demo. Each step gets the smallest date its rules allow after a usual gap."""

from datetime import date, timedelta

from gongzhi.core.calendar import add_months

from . import rules, services
from .choices import Outcome, Step
from .models import DevelopmentFile

# Usual days between a step and the one before it.
GAPS = {
    2: 20,
    3: 40,
    4: 10,
    5: 5,
    6: 10,
    8: 7,
    9: 7,
    10: 20,
    11: 10,
    12: 7,
    13: 10,
    14: 5,
    15: 10,
    16: 15,
    17: 20,
    18: 10,
    19: 5,
    20: 10,
    21: 10,
    23: 10,
    24: 20,
    25: 5,
}
VOTES = {"entitled": 10, "present": 8, "votes_for": 7, "votes_against": 1, "votes_abstain": 0}


def publicity_start(on: date) -> date:
    """A publicity start that has run its full working days before ``on``."""
    start = on - timedelta(days=7)
    while rules.publicity_ends(start, on) >= on:
        start -= timedelta(days=1)
    return start


def next_date(file: DevelopmentFile, step: int) -> date:
    """The usual date of ``step`` after the file's last record, within every limit."""
    records = list(file.steps.all())
    latest = max(r.on for r in records)
    current = rules.current_records(file, records)
    if step == Step.NAME_OBJECT:
        return max(latest, add_months(current[Step.NAME_ACTIVIST].on, 12))
    if step == Step.CONVERSION_APPLICATION:
        return max(latest, rules.probation_ends(file, current))
    return latest + timedelta(days=GAPS[step])


def step_data(step: int, on: date, members=(), outcome: str = Outcome.CONVERT) -> dict:
    if step == Step.ASSIGN_CONTACTS:
        return {"contacts": list(members[:1])}
    if step == Step.NAME_OBJECT:
        return {"publicity_from": publicity_start(on)}
    if step == Step.INTRODUCERS:
        return {"introducers": list(members[:2])}
    if step == Step.POLITICAL_REVIEW:
        return {"review_passed": True}
    if step == Step.TRAINING:
        return {"training_days": 3, "training_hours": 24}
    if step == Step.BRANCH_VOTE:
        return dict(VOTES)
    if step == Step.CONVERSION_VOTE:
        data = {**VOTES, "outcome": outcome}
        if outcome == Outcome.EXTEND:
            data["extension_months"] = 6
        return data
    return {}


def advance(file: DevelopmentFile, actor, until: int, members=(), overrides=None):
    """Record the steps after the file's last one up to ``until`` (inclusive).

    ``overrides`` maps a step number to ``{"on": date, **data}`` for that step.
    """
    overrides = overrides or {}
    step = file.last_step
    while step < until and file.is_open:
        step = file.last_step + 1
        extra = dict(overrides.get(step, {}))
        on = extra.pop("on", None) or next_date(file, step)
        data = {**step_data(step, on, members), **extra}
        services.record_step(file, actor=actor, step=step, on=on, **data)
        file.refresh_from_db()
    return file


# --- The cross-scope walk (tests/test_cross_scope.py) --------------------------------------


def cross_scope_rows(fx) -> None:
    """An application in each community's branch."""
    from gongzhi.party.testing import id_number

    orgs, admin = fx.extra["party"], fx.world.users["district_admin"]
    for branch, name, serial in (
        (orgs.ours_branch, "和顺申请人", 31),
        (orgs.sibling_branch, "邻里申请人", 32),
    ):
        services.open_file(
            actor=admin,
            branch=branch,
            name=name,
            id_number=id_number(date(1998, 7, 9), serial),
            applied_on=fx.today - timedelta(days=30),
        )


def cross_scope_change(fx) -> None:
    from gongzhi.party.testing import id_number

    services.open_file(
        actor=fx.world.users["superuser"],
        branch=fx.extra["party"].sibling_branch,
        name=f"{fx.mark}申请",
        id_number=id_number(date(1999, 3, 3), 45),
        applied_on=fx.today - timedelta(days=10),
    )
