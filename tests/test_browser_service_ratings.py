"""三级评议 in a real browser: a neighbour rates an in-service member at the resident group
level on a phone (a second rating of the level refused on its field, the input kept);
community staff see the year with the veto in red and publish it; the member reads their
own ratings on a phone. No request leaves the server, no console error."""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gongzhi.accounts.roles import Role
from gongzhi.core.testing import make_user
from gongzhi.party.models import Member
from gongzhi.party.testing import build_party
from gongzhi.residents.models import Resident
from gongzhi.residents.testing import add_person
from gongzhi.service import ratings
from gongzhi.service.ratings_testing import in_service
from tests.test_browser_platform import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_neighbour_rates_staff_publish_the_member_reads(world, walk):
    party = build_party(world)
    admin, staff = world.users["district_admin"], world.users["staff"]
    year = timezone.localdate().year - 1
    on = date(year, 12, 20)
    member, _report = in_service(
        admin, party.ours_branch, world.ours, "李在职", 901, confirmed_on=date(year, 3, 1)
    )
    member_user = make_user("lzz", Role.INSERVICE_MEMBER, world.ours.community)
    Member.objects.filter(pk=member.pk).update(user=member_user)
    vetoed, _r = in_service(
        admin, party.ours_branch, world.ours, "周否决", 902, confirmed_on=date(year, 3, 1)
    )
    ratings.rate(
        actor=staff,
        member=vetoed,
        year=year,
        level="community",
        grade="fair",
        shortcomings=["not_acting"],
        rated_on=on,
    )
    neighbour = make_user("ljjm", Role.RESIDENT, world.ours.community, full_name="王邻居")
    person = add_person(world, world.ours.households[2], "王邻居", date(1970, 1, 1), 903)
    Resident.objects.filter(pk=person.pk).update(user=neighbour)

    w = walk(**PHONE)
    page = w.page
    w.sign_in("ljjm")
    w.goto(f"/service/ratings/new/?year={year}&level=group&member={member.pk}")
    expect(page.get_by_role("heading", name="录入三级评议")).to_be_visible()
    page.get_by_label("优秀").check()
    page.fill("#id_rated_on", on.isoformat())
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("评议已录入。")).to_be_visible()
    w.goto(f"/service/ratings/new/?year={year}&level=group&member={member.pk}")
    page.get_by_label("良好").check()
    page.fill("#id_comment", "再评一次")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("评议已录入，每一层级每年只评议一次")).to_be_visible()
    assert page.input_value("#id_comment") == "再评一次"
    assert w.fits()
    w.shot("service-rating-group-phone")
    w.clean(refused=1)

    desk = walk()
    page = desk.page
    desk.sign_in("gz")
    desk.goto(f"/service/ratings/?year={year}")
    expect(page.get_by_role("heading", name="三级评议")).to_be_visible()
    veto = page.locator("strong.text-danger", has_text="否决")
    expect(veto).to_have_count(1)
    colour = veto.evaluate("cell => getComputedStyle(cell).color")
    red, green, blue = (int(x) for x in colour[colour.index("(") + 1 : -1].split(",")[:3])
    assert red > green and red > blue, colour
    desk.shot("service-rating-year")
    desk.clean()
    ratings.publish(actor=world.users["secretary"], community=world.ours.community, year=year)

    mine = walk(**PHONE)
    page = mine.page
    mine.sign_in("lzz")
    mine.goto("/service/ratings/mine/")
    expect(page.get_by_role("heading", name="我的三级评议")).to_be_visible()
    expect(page.get_by_text("居民小组（楼栋）")).to_be_visible()
    expect(page.get_by_text("优秀")).to_be_visible()
    mine.goto(f"/service/ratings/published/?year={year}")
    expect(page.get_by_text("李*职")).to_be_visible()
    expect(page.get_by_text("李在职")).to_have_count(0)
    assert mine.fits()
    mine.shot("service-rating-mine-phone")
    mine.clean()
