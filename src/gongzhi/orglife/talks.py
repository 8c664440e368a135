"""谈心谈话: the talks of a branch in a year, recorded with the pair kind derived from
the two members' roles in the branch, and the pairs still missing (``rules.missing_talks``)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core import audit
from gongzhi.core.errors import Problems, RuleViolation
from gongzhi.core.services import atomic, require
from gongzhi.party.choices import CommitteePost, Standing
from gongzhi.party.models import CommitteeSeat, Member, Organization

from . import rules
from .choices import TalkPair
from .models import Talk
from .permissions import CHANGE, VIEW


def talks_for(user: User, perm: str = VIEW) -> QuerySet[Talk]:
    return Talk.objects.visible_to(user, perm)


def branch_talks(user: User, branch: Organization, year: int) -> QuerySet[Talk]:
    return (
        talks_for(user)
        .filter(organization=branch, year=year)
        .select_related("first", "second")
        .order_by("-held_on", "-id")
    )


@dataclass
class Roster:
    """A branch's active members by their role in it (member ids)."""

    members: list[Member]
    secretaries: list[int]
    committee: list[int]

    def role(self, member_id: int) -> str:
        if member_id in self.secretaries:
            return rules.SECRETARY
        if member_id in self.committee:
            return rules.COMMITTEE
        return rules.MEMBER

    def by_id(self) -> dict[int, Member]:
        return {m.pk: m for m in self.members}


def roster(branch: Organization) -> Roster:
    """The branch's active members and the seats on its own committee (two queries)."""
    members = list(
        Member.objects.filter(organization=branch, standing=Standing.ACTIVE).order_by("name")
    )
    ids = {m.pk for m in members}
    secretaries, committee = [], []
    for member_id, post in CommitteeSeat.objects.filter(organization=branch).values_list(
        "member_id", "post"
    ):
        if member_id not in ids:
            continue
        (secretaries if post == CommitteePost.SECRETARY else committee).append(member_id)
    return Roster(members, secretaries, committee)


@dataclass
class Missing:
    pair: str
    first: Member
    second: Member | None

    @property
    def pair_label(self) -> str:
        return str(TalkPair(self.pair).label)


def missing(branch: Organization, year: int, talks: QuerySet[Talk]) -> list[Missing]:
    """The required talks of ``year`` not held (``talks``: the branch's, in scope)."""
    team = roster(branch)
    held = list(talks.filter(organization=branch, year=year).values_list("first_id", "second_id"))
    found = rules.missing_talks(
        team.secretaries, team.committee, [m.pk for m in team.members], held
    )
    people = team.by_id()
    return [Missing(m.pair, people[m.first], people[m.second] if m.second else None) for m in found]


@atomic
def record_talk(
    *,
    actor: User,
    first: Member | None,
    second: Member | None,
    held_on: date | None,
    note: str = "",
    today: date | None = None,
) -> Talk:
    """A talk between two members of one branch, both in the actor's scope; its pair kind
    comes from their roles in the branch. Every refusal at once."""
    today = today or timezone.localdate()
    problems = Problems()
    if first is None:
        problems.add(RuleViolation(_("请选择谈话人。"), field="first"))
    else:
        require(actor, CHANGE, first)
    if second is None:
        problems.add(RuleViolation(_("请选择谈话对象。"), field="second"))
    else:
        require(actor, CHANGE, second)
    if held_on is None:
        problems.add(RuleViolation(_("请填写谈话日期。"), field="held_on"))
    elif held_on > today:
        problems.add(
            RuleViolation(_("谈话日期不能晚于今天（%(d)s）。") % {"d": today}, field="held_on")
        )
    if len(note) > 300:
        problems.add(RuleViolation(_("谈话要点不能超过300个字。"), field="note"))
    if first is not None and second is not None:
        if first.pk == second.pk:
            problems.add(RuleViolation(_("谈话双方不能是同一人。"), field="second"))
        elif first.organization_id != second.organization_id:
            problems.add(
                RuleViolation(
                    _("谈话双方须是同一党支部的党员（%(a)s与%(b)s不在同一支部）。")
                    % {"a": first.name, "b": second.name},
                    field="second",
                )
            )
        for member, name in ((first, "first"), (second, "second")):
            if member.standing != Standing.ACTIVE:
                problems.add(
                    RuleViolation(
                        _("%(n)s党籍状态不正常，不能登记谈话。") % {"n": member.name}, field=name
                    )
                )
    problems.raise_any()
    assert first is not None and second is not None and held_on is not None
    branch = first.organization
    team = roster(branch)
    talk = Talk.objects.create(
        organization=branch,
        path=branch.path,
        year=held_on.year,
        pair=rules.talk_pair(team.role(first.pk), team.role(second.pk)),
        first=first,
        second=second,
        held_on=held_on,
        note=note.strip(),
        created_by=actor,
    )
    audit.log(
        "orglife.talk.recorded",
        actor=actor,
        target=talk,
        data={"organization": branch.pk, "pair": talk.pair, "year": talk.year},
    )
    return talk
