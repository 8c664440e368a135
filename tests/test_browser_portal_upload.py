"""Issue 16's figure: a demand with three photos of 4 MB each from the phone, compressed in
the browser, is submitted within 3 s on the throttled 4G profile (150 ms, 750 kbit/s up,
CPU four times slower), in a real Chromium. Measured: the compression (from choosing the
files to "已选3张照片。"), the submission (from the tap on 提交 to the receipt on screen),
the bytes uploaded and the longest main-thread task while compressing."""

import io
import os
import random
import time

import pytest
from PIL import Image, ImageChops, ImageDraw
from playwright.sync_api import expect

from gongzhi.accounts.roles import Role
from gongzhi.attachments.models import Attachment
from gongzhi.core.params import value as param
from gongzhi.core.testing import make_user
from gongzhi.demands.models import Demand
from gongzhi.portal.params import PHOTO_MAX_EDGE, PHOTO_MIN_EDGE, PHOTO_QUALITY, PHOTO_TARGET_KB
from gongzhi.portal.tests.test_demands import bind
from tests.test_browser_platform import PHONE
from tests.test_browser_portal_shell import CPU_SLOWDOWN, FOUR_G

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.alone]

SIZE = (4000, 3000)  # a 12-megapixel phone camera
SUBMIT_SECONDS = 3.0
COMPRESS_SECONDS = 5.0
# The page stays usable while it compresses (it scrolls, the status is read out): no task
# of its main thread takes longer (ms).
LONGEST_TASK_MS = 1000
START_LONG_TASKS = """() => { window.gzLong = [];
  new PerformanceObserver(list => window.gzLong.push(...list.getEntries().map(e => e.duration)))
    .observe({type: "longtask"}); }"""
# The submission is timed by the browser's clock, from the tap (the form's submit event)
# to the receipt's first paint: the test harness's own round trips are not the phone's.
MARK_SUBMIT = """() => document.getElementById("demand-form").addEventListener("submit", () =>
  sessionStorage.setItem("gzSubmitted", performance.timeOrigin + performance.now()))"""
# The submission (ms), and where its end went: fetching the receipt, then drawing it.
RECEIPT = """(async () => {
  const paint = await new Promise(resolve => new PerformanceObserver(list => resolve(
    list.getEntriesByName("first-contentful-paint")[0].startTime)).observe({type: "paint",
    buffered: true}));
  const n = performance.getEntriesByType("navigation")[0];
  return {submitted: performance.timeOrigin + paint - sessionStorage.getItem("gzSubmitted"),
          get: n.responseEnd - n.fetchStart, paint: paint - n.responseEnd}; })()"""


def value_noise(cells: tuple[int, ...], sigma: float = 64) -> Image.Image:
    """Gaussian noise on grids of ``cells`` pixels, smoothly enlarged and averaged: from
    clouds and shadows (500 px) down to gravel and leaves (2–3 px)."""
    layers = [
        Image.effect_noise((SIZE[0] // c, SIZE[1] // c), sigma).resize(SIZE, Image.BICUBIC)
        for c in cells
    ]
    out = layers[0]
    for i, layer in enumerate(layers[1:], start=2):
        out = Image.blend(out, layer, 1 / i)
    return out


def phone_photo(seed: int) -> bytes:
    """A 4000 × 3000 JPEG of about 4 MB with a photo's detail: a tilted gradient (light),
    value noise of several octaves, objects with edges, a fine texture and sensor grain.
    Flat colours would compress to nothing."""
    rnd = random.Random(seed)
    light = Image.linear_gradient("L").resize(SIZE).rotate(rnd.uniform(-20, 20))
    image = Image.merge(
        "RGB",
        [
            ImageChops.add(
                Image.blend(light, value_noise((500, 120, 30, 8, 3)), 0.7),
                Image.new("L", SIZE, rnd.randint(0, 40)),
            )
            for _ in "RGB"
        ],
    )
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y, r = rnd.randrange(SIZE[0]), rnd.randrange(SIZE[1]), rnd.randint(40, 600)
        shape = rnd.choice((draw.ellipse, draw.rectangle))
        shape((x - r, y - r // 2, x + r, y + r // 2), fill=tuple(rnd.choices(range(256), k=3)))
    texture = Image.merge("RGB", [value_noise((2,), 80) for _ in "RGB"])
    grain = Image.merge("RGB", [Image.effect_noise(SIZE, 9) for _ in "RGB"])
    image = ImageChops.add(Image.blend(image, texture, 0.18), grain, 1, -128)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def jpeg_size(photo: bytes, edge: int, quality: int) -> int:
    image = Image.open(io.BytesIO(photo))
    image.thumbnail((edge, edge), Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.tell()


@pytest.fixture(scope="module")
def photos():
    return [phone_photo(seed) for seed in (1, 2, 3)]


def test_three_4_mb_photos_are_submitted_within_3_s_on_throttled_4g(
    world, walk, photos, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    # The photos are as heavy as a phone's: about 4 MB, and at the portal's size and
    # starting quality far over the budget (a real photo's 150-250 KB), so the ladder works.
    edge, quality = param(PHOTO_MAX_EDGE), param(PHOTO_QUALITY)
    assert all(3_500_000 <= len(p) <= 4_700_000 for p in photos), [len(p) for p in photos]
    assert max(jpeg_size(p, edge, quality) for p in photos) >= 150 * 1024

    resident = make_user("wjg", Role.RESIDENT, world.ours.community, full_name="王建国")
    bind(resident, world.ours.households[0])
    w = walk(**PHONE)
    w.context.set_default_timeout(60_000)
    page = w.page
    w.sign_in(resident.username)
    w.goto("/portal/demands/new/")
    page.fill("#id_content", "小区东门路面塌陷，雨天积水很深")
    cdp = w.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", FOUR_G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.evaluate(START_LONG_TASKS)
    # Files on disk, as a phone's: given as buffers, Playwright would decode them in the
    # page's JavaScript, on the throttled CPU.
    paths = [tmp_path / f"IMG_{i}.jpg" for i in range(len(photos))]
    for path, photo in zip(paths, photos, strict=True):
        path.write_bytes(photo)
    started = time.perf_counter()
    page.set_input_files("#id_photos", paths)
    expect(page.locator("#photo-status")).to_have_text("已选3张照片。", timeout=30_000)
    compressed = time.perf_counter() - started
    sizes = page.evaluate("[...document.querySelector('#id_photos').files].map(f => f.size)")
    longest = page.evaluate("Math.max(0, ...window.gzLong)")

    page.evaluate(MARK_SUBMIT)
    posted = []  # the POST's timing, which comes with its redirect to the receipt

    def redirected(event):
        if "redirectResponse" in event:
            posted.append(event["redirectResponse"]["timing"])

    cdp.on("Network.requestWillBeSent", redirected)
    button = page.get_by_role("button", name="提交")
    expect(button).to_be_enabled()
    button.click()
    page.wait_for_url("**/receipt/")
    demand = Demand.objects.get(requester_user=resident)
    expect(page.get_by_text(demand.number)).to_be_visible()
    receipt, post = w.awaited(RECEIPT), posted[0]
    submitted = receipt["submitted"] / 1000
    stored = list(Attachment.objects.filter(object_id=demand.pk))
    print(
        f"3 photos of {[len(p) for p in photos]} bytes: compressed in {compressed:.2f} s "
        f"(longest main-thread task {longest:.0f} ms) to {sizes} bytes ({sum(sizes)} in all, "
        f"budget {param(PHOTO_TARGET_KB)} KB each); submitted in {submitted:.2f} s: upload "
        f"{post['sendEnd'] - post['sendStart']:.0f} ms, server and latency "
        f"{post['receiveHeadersStart'] - post['sendEnd']:.0f} ms, receipt {receipt['get']:.0f} ms, "
        f"paint {receipt['paint']:.0f} ms; stored {[(max(a.width, a.height), a.size) for a in stored]}"
        f"; load average {os.getloadavg()[0]:.1f}"
    )
    assert submitted <= SUBMIT_SECONDS
    assert compressed <= COMPRESS_SECONDS
    assert longest <= LONGEST_TASK_MS
    assert sum(sizes) <= 3 * param(PHOTO_TARGET_KB) * 1024
    assert len(stored) == 3
    assert all(param(PHOTO_MIN_EDGE) <= max(a.width, a.height) <= edge for a in stored)
    w.clean()
