"""A grid worker records a visit on a phone (and at a desk) in a real browser: the
household found by its door number, the kind, what was found, a photo from the camera,
"转为诉求" — and the demand form prefilled from the visit, saved in one more step. No
console error (a CSP violation is one), no request off the machine, nothing wider than
the phone."""

import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from gongzhi.attachments.models import Attachment
from gongzhi.visits.models import Visit
from tests.test_browser_platform import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "teal").save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.mark.parametrize("device", ["desk", "phone"])
def test_a_grid_worker_records_a_visit_with_a_photo_and_turns_it_into_a_demand(world, walk, device):
    household = world.ours.households[1]
    w = walk(**(PHONE if device == "phone" else {}))
    w.context.set_default_timeout(60_000)  # photos are re-encoded in a child process
    page = w.page
    w.sign_in("wg")
    w.goto("/visits/new/")
    expect(page.get_by_role("heading", name="登记走访")).to_be_visible()
    page.fill("#household_q", household.door_number)
    choice = page.locator("#household_results").get_by_role("button", name=household.place_name())
    choice.click()
    expect(page.locator("#household_label")).to_have_text(household.place_name())
    assert page.input_value("#id_visited_on") == timezone.localdate().isoformat()
    page.select_option("#id_kind", label="遇到困难必到")
    page.fill("#id_found", "老人摔伤行动不便，需要上门护理")
    page.set_input_files(
        "#id_photos", files=[{"name": "visit.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    page.get_by_label("转为诉求").check()
    if device == "phone":
        assert w.fits()
    w.shot(f"visits-record-{device}")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/demand/")
    expect(page.get_by_role("heading", name="走访转为诉求")).to_be_visible()
    assert page.input_value("#id_title") == "老人摔伤行动不便，需要上门护理"
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit())
    visit = Visit.objects.get()
    assert visit.demand is not None and visit.household == household
    assert Attachment.objects.filter(object_id=visit.pk).count() == 1
    expect(page.locator("#follow-ups")).to_contain_text(visit.demand.number)
    expect(page.get_by_text("已转为诉求，进入诉求办理流程。")).to_be_visible()
    if device == "phone":
        assert w.fits()
    w.shot(f"visits-demand-{device}")
    w.clean()
