"""The loop of issue 15 in a real browser, on a phone for the grid worker and the member:
the grid worker visits a household and finds a need → “发布微心愿” from the visit → the
in-service member claims it on the wall and fulfils it with a photo and the hours it took
→ a resident of the household confirms it with a rating → the hours are in the member's
ledger (我的志愿服务) → the community's staff see them beside the three-level evaluation.
Every arrow is a button; nothing is typed twice."""

import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from gongzhi.accounts.roles import Role
from gongzhi.core.testing import make_user
from gongzhi.party.models import Member
from gongzhi.party.testing import build_party
from gongzhi.residents.models import Resident
from gongzhi.residents.testing import add_person
from gongzhi.service.models import Hours, Wish
from gongzhi.service.tests.test_wishes import in_service
from gongzhi.visits.models import Visit
from tests.test_browser_platform import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "navy").save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_visit_wish_claim_fulfil_confirm_ledger_and_evaluation(world, walk):
    party = build_party(world)
    member, member_user = in_service(world, party, "赵志远", 41, "zzy")
    Member.objects.filter(pk=member.pk).update(household=world.ours.households[1])
    household = world.ours.households[0]
    resident = add_person(world, household, "王建国", timezone.localdate().replace(year=1950), 61)
    resident_user = make_user("wjg", Role.RESIDENT, world.ours.community, full_name="王建国")
    Resident.objects.filter(pk=resident.pk).update(user=resident_user)

    # 1. The grid worker, on a phone: a visit, and the wish from it.
    w = walk(**PHONE)
    w.context.set_default_timeout(60_000)  # photos are re-encoded in a child process
    page = w.page
    w.sign_in(world.users["grid_worker"].username)
    w.goto(f"/visits/new/?household={household.pk}")
    page.select_option("#id_kind", label="独居老人必访")
    page.fill("#id_found", "老人腿脚不便，希望有一台助行器")
    page.get_by_label("发布微心愿").check()
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/service/wishes/new/?visit=*")
    assert page.input_value("#id_detail") == "老人腿脚不便，希望有一台助行器"
    page.fill("#id_title", "一台助行器")
    page.fill("#id_wisher", "王建国")
    assert w.fits()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("微心愿已发布。")).to_be_visible()
    wish = Wish.objects.get()
    assert Visit.objects.get().wish == wish
    w.clean()

    # 2. The member, on a phone: claim on the wall, fulfil with a photo and the hours.
    w = walk(**PHONE)
    w.context.set_default_timeout(60_000)
    page = w.page
    w.sign_in(member_user.username)
    w.goto("/service/wishes/wall/")
    page.locator(f'[data-wish="{wish.pk}"]').get_by_role("button", name="我来认领").click()
    expect(page.get_by_text("认领成功，完成后请上传照片登记。")).to_be_visible()
    page.set_input_files(
        "input[name=photo]", {"name": "wish.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    page.fill("textarea[name=note]", "已把助行器送到老人家中")
    page.fill("input[name=hours]", "2.5")
    assert w.fits()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已登记完成，等待心愿户确认。")).to_be_visible()
    assert Hours.objects.get(wish=wish).status == "pending"
    w.clean()

    # 3. The resident of the household confirms it, with a rating.
    w = walk(**PHONE)
    page = w.page
    w.sign_in(resident_user.username)
    w.goto(f"/service/wishes/{wish.pk}/")
    page.locator('[data-action="confirm"]').click()
    page.get_by_label("5 非常满意").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已确认，感谢评价。")).to_be_visible()
    w.clean()
    assert Hours.objects.get(wish=wish).status == "approved"

    # 4. The member's ledger counts the hours.
    w = walk(**PHONE)
    page = w.page
    w.sign_in(member_user.username)
    w.goto("/service/mine/")
    expect(page.locator("main")).to_contain_text("2.50")
    expect(page.locator("main")).to_contain_text("一台助行器")
    assert w.fits()
    w.clean()

    # 5. The community's staff see the year beside the three-level evaluation.
    w = walk()
    page = w.page
    w.sign_in(world.users["secretary"].username)
    w.goto(
        f"/service/ratings/?community={world.ours.community.pk}&year={timezone.localdate().year}"
    )
    record = page.locator("[data-record]").first
    expect(record).to_contain_text("2.50/16")
    expect(record).to_contain_text("心愿 1")
    w.clean()
