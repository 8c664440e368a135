"""民主评议 in a real browser: a member casts their anonymous ballot on "my evaluation",
and the committee's proposal counts the 优秀 chosen against the cap as they are chosen
(static/gongzhi/evaluation.js), the service refusing above it. No request leaves the
server, no console error (a CSP violation is one)."""

import re

import pytest
from playwright.sync_api import expect

from gongzhi.orglife import evaluation as services
from gongzhi.orglife.models import Evaluation, EvaluationRound
from gongzhi.orglife.tests.evaluation_fixtures import members
from gongzhi.party.testing import build_party

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_member_votes_and_the_committee_proposes_within_the_cap(world, walk):
    party = build_party(world)
    secretary = world.users["branch_secretary"]
    people = members(world, party.ours_branch, 4)
    round = services.start_round(actor=secretary, organization=party.ours_branch, year=2026)
    for action in ("open_peer", "open_vote"):
        round = services.advance(round, actor=secretary, version=round.version, action=action)
    entries = list(Evaluation.objects.filter(round=round).select_related("member"))

    w = walk()
    page = w.page
    page.on("dialog", lambda dialog: dialog.accept())
    w.sign_in(people[0].user.username)
    w.goto("/orglife/evaluations/mine/")
    for entry in entries:
        page.select_option(f"select[name=e{entry.pk}]", "qualified")
    page.get_by_role("button", name="投票").click()
    expect(page.get_by_text("您已投票。选票不记录投票人。")).to_be_visible()
    assert EvaluationRound.objects.get(pk=round.pk).online_ballots == 1
    w.clean()

    round = EvaluationRound.objects.get(pk=round.pk)
    services.advance(round, actor=secretary, version=round.version, action="close_vote")
    w = walk()
    page = w.page
    w.sign_in("zb")
    w.goto(f"/orglife/evaluations/{round.pk}/propose/")
    box = page.locator("[data-excellent-cap]")
    expect(box).to_contain_text("最多1人")
    expect(box.locator("[data-excellent-count]")).to_have_text("0")
    for entry in entries:
        page.select_option(f"select[name=e{entry.pk}]", "qualified")
    page.select_option(f"select[name=e{entries[0].pk}]", "excellent")
    expect(box.locator("[data-excellent-count]")).to_have_text("1")
    page.select_option(f"select[name=e{entries[1].pk}]", "excellent")
    expect(box.locator("[data-excellent-count]")).to_have_text("2")
    expect(box).to_have_class(re.compile(r"\balert-danger\b"))
    page.get_by_role("button", name="提交").click()
    expect(
        page.get_by_text("优秀不得超过参评党员的三分之一（4人中最多1人），当前2人")
    ).to_be_visible()
    page.select_option(f"select[name=e{entries[1].pk}]", "qualified")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("支委会建议等次已保存。")).to_be_visible()
    w.clean(refused=1)
