"""谈心谈话: the pair kind derived from the branch roles, refusals, the missing pairs."""

from datetime import date

import pytest

from gongzhi.core.errors import NotFoundOrForbidden, RuleViolations
from gongzhi.core.models import AuditLog
from gongzhi.orglife import talks
from gongzhi.orglife.choices import TalkPair
from gongzhi.orglife.models import Talk
from gongzhi.party import services as party_services
from gongzhi.party.choices import CommitteePost
from gongzhi.party.testing import add_member

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


@pytest.fixture
def branch(world, party):
    """Our branch: a secretary, a committee member and three members."""
    admin = world.users["district_admin"]
    org = party.ours_branch
    people = {
        name: add_member(admin, org, name, serial=serial)
        for name, serial in (
            ("书记", 51),
            ("委员", 52),
            ("党员甲", 53),
            ("党员乙", 54),
            ("党员丙", 55),
        )
    }
    for name, post in (("书记", CommitteePost.SECRETARY), ("委员", CommitteePost.ORGANIZATION)):
        party_services.add_seat(
            actor=admin,
            organization=org,
            member=people[name],
            post=post,
            started_on=date(2024, 1, 1),
        )
    return org, people


def talk(world, first, second, on=date(2026, 5, 1)):
    return talks.record_talk(
        actor=world.users["secretary"],
        first=first,
        second=second,
        held_on=on,
        note="谈心",
        today=TODAY,
    )


def test_pair_kind_is_derived_from_the_roles(world, branch):
    _org, p = branch
    assert talk(world, p["委员"], p["书记"]).pair == TalkPair.SECRETARY_COMMITTEE
    assert talk(world, p["书记"], p["党员甲"]).pair == TalkPair.COMMITTEE_MEMBER
    assert talk(world, p["党员甲"], p["委员"]).pair == TalkPair.COMMITTEE_MEMBER
    assert talk(world, p["党员甲"], p["党员乙"]).pair == TalkPair.MEMBER_MEMBER
    assert AuditLog.objects.filter(action="orglife.talk.recorded").count() == 4


def test_missing_pairs_listed_until_held(world, branch):
    org, p = branch
    user = world.users["secretary"]
    first = talks.missing(org, 2026, talks.talks_for(user))
    assert (TalkPair.SECRETARY_COMMITTEE, "书记", "委员") in {
        (m.pair, m.first.name, m.second.name if m.second else None) for m in first
    }
    assert len(first) == 1 + 3 + 3
    talk(world, p["书记"], p["委员"])
    talk(world, p["党员甲"], p["委员"])
    talk(world, p["党员乙"], p["书记"])
    talk(world, p["党员丙"], p["委员"])
    talk(world, p["党员甲"], p["党员乙"])
    left = talks.missing(org, 2026, talks.talks_for(user))
    assert [(m.pair, m.first.name) for m in left] == [(TalkPair.MEMBER_MEMBER, "党员丙")]
    talk(world, p["党员丙"], p["党员乙"])
    assert talks.missing(org, 2026, talks.talks_for(user)) == []
    # A talk of last year does not count for this one.
    assert len(talks.missing(org, 2025, talks.talks_for(user))) == 7


def test_talk_between_branches_future_and_self_refused(world, party, branch):
    _org, p = branch
    other = add_member(world.users["district_admin"], party.ours_grid_branch, "网格党员", serial=56)
    with pytest.raises(RuleViolations) as caught:
        talk(world, p["党员甲"], other, on=date(2026, 6, 16))
    assert {e.field for e in caught.value.errors} == {"second", "held_on"}
    assert "同一党支部" in str(caught.value.errors[-1].message) or "同一党支部" in str(
        caught.value.errors[0].message
    )
    with pytest.raises(RuleViolations):
        talk(world, p["党员甲"], p["党员甲"], on=date(2026, 6, 16))
    assert not Talk.objects.exists()


def test_talk_with_a_member_out_of_scope_is_not_found(world, party, branch):
    _org, p = branch
    stranger = add_member(
        world.users["district_admin"], party.sibling_branch, "邻里党员", serial=57
    )
    with pytest.raises(NotFoundOrForbidden):
        talk(world, p["党员甲"], stranger)
    assert not Talk.objects.exists()


def test_today_is_not_the_future(world, branch):
    _org, p = branch
    assert talk(world, p["党员甲"], p["党员乙"], on=TODAY).year == 2026
