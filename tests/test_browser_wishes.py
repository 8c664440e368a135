"""微心愿 in a real browser on a phone: an in-service member claims a wish on the wall and
fulfils it with a photo taken on the phone; the community's staff confirm it on the
household's word. No request leaves the server, no console error (a CSP violation is
one), no server error, and no page wider than the phone."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from gongzhi.attachments.models import Attachment
from gongzhi.party.testing import build_party
from gongzhi.service import wishes
from gongzhi.service.models import Wish
from gongzhi.service.tests.test_wishes import in_service
from tests.test_browser_platform import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "orange").save(out, format="JPEG")
    return out.getvalue()


def test_a_member_claims_and_fulfils_with_a_photo_and_staff_confirm(world, walk):
    party = build_party(world)
    member, user = in_service(world, party, "赵志远", 41, "zzy")
    wish = wishes.publish_wish(
        actor=world.users["secretary"],
        community=world.ours.community,
        title="一台助行器",
        wisher="王建国",
        source="visit",
        household=world.ours.households[0],
        detail="老人腿脚不便，出门需要助行器。",
    )

    w = walk(**PHONE)
    page = w.page
    w.sign_in(user.username)
    w.goto("/service/wishes/wall/")
    card = page.locator(f'[data-wish="{wish.pk}"]')
    expect(card).to_contain_text("王*国")
    expect(card).not_to_contain_text("王建国")
    card.get_by_role("button", name="我来认领").click()
    expect(page.get_by_text("认领成功，完成后请上传照片登记。")).to_be_visible()
    assert w.fits()
    page.set_input_files(
        "input[name=photo]", {"name": "wish.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    page.fill("textarea[name=note]", "已把助行器送到老人家中")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已登记完成，等待心愿户确认。")).to_be_visible()
    expect(page.locator(f'[data-mine="{wish.pk}"]')).to_contain_text("已完成待确认")
    assert Attachment.objects.filter(object_id=wish.pk).count() == 1
    w.clean()

    w = walk(**PHONE)
    page = w.page
    w.sign_in(world.users["staff"].username)
    w.goto(f"/service/wishes/{wish.pk}/")
    expect(page.locator("[data-claimer]")).to_contain_text("赵*远")
    page.locator('[data-action="confirm"]').click()
    page.get_by_label("5 非常满意").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator("[data-confirmation]")).to_contain_text("社区代居民确认")
    assert w.fits()
    w.clean()
    stored = Wish.objects.get(pk=wish.pk)
    assert (stored.status, stored.satisfaction, stored.confirmed_on_word) == ("confirmed", 5, True)
    assert stored.claimed_member == member


def test_staff_publish_a_wish_picking_the_household_by_typing(world, walk):
    """The household is found by typing part of its address (the household picker): no
    select of the community's thousands of households, nothing of the sibling's."""
    household = world.ours.households[1]
    w = walk(**PHONE)
    page = w.page
    w.sign_in(world.users["secretary"].username)
    w.goto("/service/wishes/new/")
    community = page.get_by_label("所在社区")
    community.fill(world.ours.community.name)
    page.locator("#id_community_search_results").get_by_role("option").first.click()
    page.fill("#id_title", "一台轮椅")
    page.fill("#id_wisher", "王建国")
    page.select_option("#id_source", "visit")
    search = page.get_by_label("心愿户")
    expect(search).to_have_attribute("placeholder", "输入门牌、地址、住户编码或家庭成员姓名查找")
    search.fill(world.sibling.households[0].door_number + "邻里")
    results = page.locator("#id_household_search_results")
    expect(results).to_contain_text("没有找到管辖范围内的住户")
    search.fill(household.door_number)
    option = results.get_by_role("option").first
    expect(option).to_contain_text(household.address)
    option.click()
    expect(search).to_have_value(household.address)
    assert w.fits()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("微心愿已发布。")).to_be_visible()
    assert Wish.objects.get(title="一台轮椅").household == household
    w.clean()
