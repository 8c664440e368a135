"""民主评议 pages: the scoped list and detail, the secretary's forms with their refusals at
the field, the member's own page and ballot, corrections, the Excel export."""

import io
import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from gongzhi.core.viewtests import ScopedModelViewTests
from gongzhi.party.choices import EventKind
from gongzhi.party.models import MemberEvent

from .. import evaluation as services
from ..choices import CorrectionState, Grade, RoundState
from ..models import BallotReceipt, Correction, Evaluation, EvaluationRound
from .evaluation_fixtures import held_meeting, members

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


_years = itertools.count(2026, -1)


class TestRoundViews(ScopedModelViewTests):
    list_url = "orglife:evaluation_list"
    detail_url = "orglife:round_detail"
    user = "branch_secretary"

    @pytest.fixture
    def setup_rows(self, world, party):
        self.party = party
        return world

    def make(self, world, community, n):
        branch = self.party.ours_branch if community is world.ours else self.party.sibling_branch
        if not branch.members.exists():
            members(world, branch, 2, accounts=False)
        return [
            services.start_round(
                actor=world.users["district_admin"], organization=branch, year=next(_years)
            )
            for _ in range(n)
        ]

    def label(self, row):
        return row.organization.name


def fresh(round):
    return EvaluationRound.objects.get(pk=round.pk)


def start(world, party, n=3, **kw):
    people = members(world, party.ours_branch, n, **kw)
    round = services.start_round(
        actor=world.users["branch_secretary"], organization=party.ours_branch, year=2026
    )
    return round, people


def advance(round, secretary, *actions):
    for action in actions:
        round = services.advance(
            fresh(round), actor=secretary, version=fresh(round).version, action=action
        )
    return round


def test_the_nobody_gets_a_403_and_the_start_form_makes_a_round(world, party, client_as):
    members(world, party.ours_branch, 2)
    assert (
        client_as(world.users["nobody"]).get(reverse("orglife:evaluation_list")).status_code == 403
    )
    client = client_as(world.users["branch_secretary"])
    listing = client.get(reverse("orglife:evaluation_list")).content.decode()
    assert reverse("orglife:evaluation_start") in listing
    form = client.get(reverse("orglife:evaluation_start"))
    assert form.status_code == 200 and "和顺社区第一党支部" in form.content.decode()
    assert "邻里社区党支部" not in form.content.decode()
    answer = client.post(
        reverse("orglife:evaluation_start"), {"organization": party.ours_branch.pk, "year": 2026}
    )
    round = EvaluationRound.objects.get()
    assert answer.status_code == 302 and answer.url == round.get_absolute_url()
    again = client.post(
        reverse("orglife:evaluation_start"), {"organization": party.ours_branch.pk, "year": 2026}
    )
    assert again.status_code == 400 and "已经开始" in again.content.decode()


def test_the_detail_shows_the_progress_and_takes_the_steps(world, party, client_as):
    secretary = world.users["branch_secretary"]
    round, people = start(world, party, 3)
    entry = Evaluation.objects.get(round=round, member=people[0])
    services.write_self_assessment(entry, actor=people[0].user, text="我的自评")
    client = client_as(secretary)
    page = client.get(round.get_absolute_url()).content.decode()
    assert "已完成 1/3" in page and "3人中最多1人" in page
    assert reverse("orglife:evaluation_act_open_peer", args=[round.pk]) in page
    answer = client.post(
        reverse("orglife:evaluation_act_open_peer", args=[round.pk]), {"version": round.version}
    )
    assert answer.status_code == 302 and fresh(round).state == RoundState.PEER
    # A stale version is refused with the reason, nothing changed.
    stale = client.post(
        reverse("orglife:evaluation_act_open_vote", args=[round.pk]), {"version": round.version}
    )
    assert stale.status_code == 302 and fresh(round).state == RoundState.PEER
    # A GET of the POST-only address goes to the round's page.
    assert (
        client.get(reverse("orglife:evaluation_act_open_vote", args=[round.pk])).url
        == round.get_absolute_url()
    )


def test_another_communitys_secretary_gets_404_everywhere(world, party, client_as):
    members(world, party.sibling_branch, 2, accounts=False)
    round = services.start_round(
        actor=world.users["district_admin"], organization=party.sibling_branch, year=2026
    )
    entry = round.entries.first()
    client = client_as(world.users["branch_secretary"])
    for url in (
        reverse("orglife:round_detail", args=[round.pk]),
        reverse("orglife:evaluation_export", args=[round.pk]),
        reverse("orglife:evaluation_paper", args=[round.pk]),
        reverse("orglife:evaluation_propose", args=[round.pk]),
        reverse("orglife:evaluation_decide", args=[round.pk]),
        reverse("orglife:evaluation_entry_self", args=[entry.pk]),
    ):
        assert client.get(url).status_code == 404, url
    answer = client.post(
        reverse("orglife:evaluation_act_open_peer", args=[round.pk]), {"version": 1}
    )
    assert answer.status_code == 404 and fresh(round).state == RoundState.SELF


def test_the_secretary_enters_a_self_assessment_for_a_member_without_account(
    world, party, client_as
):
    round, people = start(world, party, 2, accounts=False)
    entry = Evaluation.objects.get(round=round, member=people[0])
    client = client_as(world.users["branch_secretary"])
    url = reverse("orglife:evaluation_entry_self", args=[entry.pk])
    assert client.post(url, {"self_assessment": "纸质自评"}).status_code == 302
    assert Evaluation.objects.get(pk=entry.pk).self_assessment == "纸质自评"


def test_the_member_page_self_assessment_comments_and_ballot(world, party, client_as):
    secretary = world.users["branch_secretary"]
    round, people = start(world, party, 3)
    me, peer = people[0], people[1]
    mine = Evaluation.objects.get(round=round, member=me)
    peer_entry = Evaluation.objects.get(round=round, member=peer)
    client = client_as(me.user)
    page = client.get(reverse("orglife:evaluation_mine")).content.decode()
    assert "个人自评" in page and reverse("orglife:evaluation_my_self", args=[mine.pk]) in page
    answer = client.post(
        reverse("orglife:evaluation_my_self", args=[mine.pk]), {"self_assessment": "本人自评"}
    )
    assert answer.status_code == 302
    assert Evaluation.objects.get(pk=mine.pk).self_assessment == "本人自评"
    # Not their own entry: not found.
    assert (
        client.post(
            reverse("orglife:evaluation_my_self", args=[peer_entry.pk]), {"self_assessment": "x"}
        ).status_code
        == 404
    )
    advance(round, secretary, "open_peer")
    url = reverse("orglife:evaluation_my_comment", args=[peer_entry.pk])
    assert client.post(url, {"text": "工作认真"}).status_code == 302
    again = client.post(url, {"text": "再评"})
    assert again.status_code == 400 and "只能评议一次" in again.content.decode()
    itself = client.post(reverse("orglife:evaluation_my_comment", args=[mine.pk]), {"text": "自己"})
    assert itself.status_code == 400 and "不能评议自己" in itself.content.decode()
    advance(round, secretary, "open_vote")
    page = client.get(reverse("orglife:evaluation_mine")).content.decode()
    assert reverse("orglife:evaluation_my_ballot", args=[round.pk]) in page
    ballot = {f"e{e.pk}": Grade.QUALIFIED for e in Evaluation.objects.filter(round=round)}
    answer = client.post(reverse("orglife:evaluation_my_ballot", args=[round.pk]), ballot)
    assert answer.status_code == 302
    again = client.post(reverse("orglife:evaluation_my_ballot", args=[round.pk]), ballot)
    assert again.status_code == 400 and "只能投一次" in again.content.decode()
    assert BallotReceipt.objects.filter(round=round).count() == 1
    assert "您已投票" in client.get(reverse("orglife:evaluation_mine")).content.decode()


def test_a_member_outside_the_round_cannot_reach_its_ballot(world, party, client_as):
    round, people = start(world, party, 2)
    advance(round, world.users["branch_secretary"], "open_peer", "open_vote")
    outsider = members(world, party.ours_grid_branch, 1, prefix="网格党员")[0]
    client = client_as(outsider.user)
    ballot = {f"e{e.pk}": Grade.QUALIFIED for e in Evaluation.objects.filter(round=round)}
    assert (
        client.post(reverse("orglife:evaluation_my_ballot", args=[round.pk]), ballot).status_code
        == 404
    )
    entry = round.entries.first()
    assert (
        client.post(
            reverse("orglife:evaluation_my_comment", args=[entry.pk]), {"text": "x"}
        ).status_code
        == 404
    )
    assert fresh(round).online_ballots == 0
    assert "没有参加" in client.get(reverse("orglife:evaluation_mine")).content.decode()


def test_paper_tallies_above_the_ballots_are_refused_at_the_field(world, party, client_as):
    secretary = world.users["branch_secretary"]
    round, people = start(world, party, 3, accounts=False)
    advance(round, secretary, "open_peer", "open_vote")
    entries = list(Evaluation.objects.filter(round=round).order_by("id"))
    data = {"ballots": 2}
    for e in entries:
        data.update({f"e{e.pk}_{g}": 0 for g in Grade.values})
    data[f"e{entries[0].pk}_excellent"] = 2
    data[f"e{entries[0].pk}_qualified"] = 1
    answer = client_as(secretary).post(reverse("orglife:evaluation_paper", args=[round.pk]), data)
    body = answer.content.decode()
    assert answer.status_code == 400 and "超过纸质票数2张" in body
    assert f'name="e{entries[0].pk}_excellent" value="2"' in body  # input kept
    data[f"e{entries[0].pk}_qualified"] = 0
    assert (
        client_as(secretary)
        .post(reverse("orglife:evaluation_paper", args=[round.pk]), data)
        .status_code
        == 302
    )
    assert fresh(round).paper_ballots == 2


def proposal_data(round, excellent):
    entries = list(Evaluation.objects.filter(round=round).order_by("id"))
    data = {"version": fresh(round).version}
    for i, e in enumerate(entries):
        data[f"e{e.pk}"] = Grade.EXCELLENT if i < excellent else Grade.QUALIFIED
    return data


def to_proposal(world, party, n):
    secretary = world.users["branch_secretary"]
    round, people = start(world, party, n)
    advance(round, secretary, "open_peer", "open_vote")
    choices = {e.pk: Grade.QUALIFIED for e in Evaluation.objects.filter(round=round)}
    services.cast_ballot(fresh(round), actor=people[0].user, choices=choices)
    advance(round, secretary, "close_vote")
    return fresh(round), people


def test_the_proposal_page_shows_the_cap_and_refuses_above_it(world, party, client_as):
    round, people = to_proposal(world, party, 4)
    client = client_as(world.users["branch_secretary"])
    url = reverse("orglife:evaluation_propose", args=[round.pk])
    page = client.get(url).content.decode()
    assert 'data-excellent-cap="1"' in page and "gongzhi/evaluation.js" in page
    answer = client.post(url, proposal_data(round, 2))
    assert answer.status_code == 400
    assert "优秀不得超过参评党员的三分之一（4人中最多1人），当前2人" in answer.content.decode()
    assert client.post(url, proposal_data(round, 1)).status_code == 302
    assert Evaluation.objects.filter(round=round, proposed=Grade.EXCELLENT).count() == 1


def test_the_decision_page_refuses_without_quorum_then_decides(world, party, client_as):
    round, people = to_proposal(world, party, 4)
    secretary = world.users["branch_secretary"]
    services.propose_grades(
        fresh(round),
        actor=secretary,
        version=fresh(round).version,
        grades={e.pk: Grade.QUALIFIED for e in Evaluation.objects.filter(round=round)},
    )
    thin = held_meeting(party.ours_branch, people, present=2)
    quorate = held_meeting(party.ours_branch, people, present=3)
    client = client_as(secretary)
    url = reverse("orglife:evaluation_decide", args=[round.pk])
    data = {"version": fresh(round).version, "meeting": thin.pk, "decided_on": "2026-11-20"}
    for e in Evaluation.objects.filter(round=round):
        data[f"e{e.pk}"] = Grade.QUALIFIED
    answer = client.post(url, data)
    assert answer.status_code == 400 and "到会党员2人，应到4人" in answer.content.decode()
    future = client.post(url, {**data, "meeting": quorate.pk, "decided_on": "2026-12-06"})
    assert future.status_code == 400 and fresh(round).state == RoundState.PROPOSAL
    assert client.post(url, {**data, "meeting": quorate.pk}).status_code == 302
    assert fresh(round).state == RoundState.DECIDED
    assert MemberEvent.objects.filter(kind=EventKind.EVALUATED).count() == 4
    page = client.get(fresh(round).get_absolute_url()).content.decode()
    assert "2026-11-20" in page and "合格" in page


def test_the_export_is_a_real_workbook(world, party, client_as):
    round, people = to_proposal(world, party, 3)
    response = client_as(world.users["branch_secretary"]).get(
        reverse("orglife:evaluation_export", args=[round.pk])
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("姓名", "党员状态") and rows[0][-1] == "评定等次"
    assert sorted(r[0] for r in rows[1:]) == sorted(p.name for p in people)
    assert {r[5] for r in rows[1:]} == {1}  # one online ballot, 合格 for each


def decided_with_unqualified(world, party, on=date(2025, 12, 10)):
    secretary = world.users["branch_secretary"]
    round, people = to_proposal(world, party, 3)
    entries = list(Evaluation.objects.filter(round=round).order_by("id"))
    grades = {e.pk: Grade.QUALIFIED for e in entries}
    grades[entries[-1].pk] = Grade.UNQUALIFIED
    services.propose_grades(
        fresh(round), actor=secretary, version=fresh(round).version, grades=grades
    )
    meeting = held_meeting(party.ours_branch, people, present=3, on=on)
    services.decide(
        fresh(round), actor=secretary, version=fresh(round).version, meeting=meeting, decided_on=on
    )
    return fresh(round), entries[-1]


def test_corrections_start_follow_up_and_close_in_pages(world, party, client_as):
    round, entry = decided_with_unqualified(world, party)
    client = client_as(world.users["branch_secretary"])
    page = client.get(round.get_absolute_url()).content.decode()
    assert reverse("orglife:evaluation_correction_start", args=[entry.pk]) in page
    url = reverse("orglife:evaluation_correction_start", args=[entry.pk])
    late = client.post(url, {"plan": "按时参加组织生活", "deadline": "2026-12-11"})
    assert late.status_code == 400 and "不能晚于2026-12-10" in late.content.decode()
    assert (
        client.post(url, {"plan": "按时参加组织生活", "deadline": "2026-06-30"}).status_code == 302
    )
    correction = Correction.objects.get()
    detail = client.get(correction.get_absolute_url()).content.decode()
    assert "已过" in detail  # past its deadline, still open
    assert (
        client.post(
            reverse("orglife:evaluation_followup", args=[correction.pk]),
            {"on": "2026-03-01", "note": "谈话"},
        ).status_code
        == 302
    )
    close = reverse("orglife:evaluation_correction_close", args=[correction.pk])
    assert (
        client.post(
            close,
            {
                "version": correction.version,
                "outcome": "not_corrected",
                "on": TODAY.isoformat(),
                "note": "未改",
            },
        ).status_code
        == 302
    )
    correction.refresh_from_db()
    assert correction.state == CorrectionState.NOT_CORRECTED
    detail = client.get(correction.get_absolute_url()).content.decode()
    assert reverse("orglife:evaluation_removal", args=[correction.pk]) in detail
    assert "谈话" in detail
    listing = client.get(reverse("orglife:evaluation_corrections")).content.decode()
    assert entry.member.name in listing


def test_the_warning_lists_open_corrections_past_their_deadline(world, party, client_as):
    round, entry = decided_with_unqualified(world, party)
    services.start_correction(
        entry, actor=world.users["branch_secretary"], plan="计划", deadline=date(2026, 6, 30)
    )
    client = client_as(world.users["branch_secretary"])
    page = client.get(reverse("orglife:evaluation_corrections") + "?warning=due").content.decode()
    assert entry.member.name in page
    with time_machine.travel(
        datetime(2026, 6, 30, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False
    ):
        page = client.get(
            reverse("orglife:evaluation_corrections") + "?warning=due"
        ).content.decode()
    assert entry.member.name not in page


def test_the_list_query_count_does_not_grow(world, party, client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(world.users["branch_secretary"])
    members(world, party.ours_branch, 2, accounts=False)
    services.start_round(
        actor=world.users["district_admin"], organization=party.ours_branch, year=2026
    )
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("orglife:evaluation_list"))
    for year in (2023, 2024, 2025):
        services.start_round(
            actor=world.users["district_admin"], organization=party.ours_branch, year=year
        )
    with CaptureQueriesContext(connection) as four:
        client.get(reverse("orglife:evaluation_list"))
    assert len(four) == len(one)


def test_the_workbench_counts_the_overdue_corrections(world, party, client_as):
    round, entry = decided_with_unqualified(world, party)
    secretary = world.users["branch_secretary"]
    services.start_correction(entry, actor=secretary, plan="计划", deadline=date(2026, 6, 30))
    page = client_as(secretary).get(reverse("core:workbench")).content.decode()
    assert "限期改正逾期未结论" in page
    assert reverse("orglife:evaluation_corrections") + "?warning=due" in page
    other = client_as(world.users["street_admin"]).get(reverse("core:workbench"))
    assert "限期改正逾期未结论" in other.content.decode()
