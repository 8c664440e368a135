"""The record bundle (纪实包) of a meeting with 50 attendees and 10 photos (3000×2000 JPEG
as uploaded): issue 14's target is ≤ 2 s for the PDF (gongzhi/orglife/bundle.py).

The meeting is built in a database of its own (a temporary var directory, migrated, with
the test fixtures' district, an organization tree, 50 members, a roster, decisions,
approved minutes and the photos attached through the attachments service), so the bench
district is left alone. ``bench_bundle()`` returns the figures; ``main`` writes them to
bench/results/orglife_bundle.json.

    .venv/bin/python bench/bench_orglife_bundle.py [--runs 5]
"""

import argparse
import io
import os
import sys
import tempfile

from common import TARGET_MISSED, Timer, machine, summary_ms, target, write_result

TARGET_S = 2.0
ATTENDEES = 50
PHOTOS = 10


def _photo(seed: int) -> bytes:
    """A 3000×2000 JPEG with a photograph's entropy (noise over a gradient), not a flat
    colour that would decode unrealistically fast."""
    from PIL import Image

    size = (3000, 2000)
    noise = Image.effect_noise(size, 40 + seed)
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (noise, gradient, Image.blend(noise, gradient, 0.5)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def build_meeting():
    """A held branch meeting with 50 attendees, 3 decisions, approved minutes (2 versions),
    10 photos and 2 documents."""
    from datetime import date, datetime, time, timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from gongzhi.attachments import services as attachments
    from gongzhi.attachments.params import MAX_IMAGES
    from gongzhi.core import params
    from gongzhi.core.models import ParameterValue
    from gongzhi.core.testing import build_world
    from gongzhi.orglife.choices import (
        Entitlement,
        MakeUpWay,
        MeetingKind,
        MeetingState,
        Presence,
        SignInWay,
    )
    from gongzhi.orglife.models import Attendance, Decision, Meeting, Minutes
    from gongzhi.party.testing import add_member, build_party

    world = build_world()
    party = build_party(world)
    admin, secretary = world.users["district_admin"], world.users["secretary"]
    branch = party.ours_branch
    members = [
        add_member(
            admin,
            branch,
            f"党员{i:02d}",
            serial=i,
            birth=date(1940 + i % 40, 1 + i % 12, 1 + i % 28),
        )
        for i in range(1, ATTENDEES + 1)
    ]
    held = date(2026, 6, 18)
    meeting = Meeting.objects.create(
        organization=branch,
        path=branch.path,
        kind=MeetingKind.ASSEMBLY,
        year=2026,
        planned_on=held,
        held_on=held,
        start_time=time(14, 30),
        place="社区党群服务中心",
        topic="第二季度党员大会",
        agenda="一、学习传达\n二、表决事项\n三、工作部署",
        state=MeetingState.HELD,
        notified_at=timezone.make_aware(datetime.combine(held - timedelta(days=3), time(9))),
    )
    signed = timezone.make_aware(datetime.combine(held, time(14, 20)))
    for i, member in enumerate(members):
        row = Attendance(meeting=meeting, member=member, entitlement=Entitlement.MEMBER)
        if i % 10 == 3:
            row.presence, row.leave_reason = Presence.LEAVE, "外出"
            row.makeup_on, row.makeup_way = held + timedelta(days=7), MakeUpWay.MATERIALS
        elif i % 17 == 5:
            row.presence = Presence.ABSENT
        else:
            row.presence, row.way, row.signed_at = Presence.PRESENT, SignInWay.QR, signed
        row.save()
    for n in range(3):
        Decision.objects.create(
            meeting=meeting,
            title=f"表决事项{n + 1}",
            text="同意。" * 20,
            voted=True,
            votes_for=40,
            votes_against=1,
            votes_abstain=1,
            passed=True,
        )
    for number in (1, 2):
        Minutes.objects.create(
            meeting=meeting,
            number=number,
            text="会议记录正文。" * 300,
            recorder="记录人",
            reason="更正" if number == 2 else "",
            author=secretary,
            approved_at=timezone.now(),
            approved_by=secretary,
        )
    ParameterValue.objects.create(key=MAX_IMAGES, value=PHOTOS, effective_from=date(2000, 1, 1))
    params._OVERRIDES.forget()
    photos = [SimpleUploadedFile(f"现场{i}.jpg", _photo(i)) for i in range(PHOTOS)]
    attachments.attach(meeting, photos, actor=secretary, kind="photo")
    documents = [SimpleUploadedFile(f"材料{i}.txt", "会议材料".encode()) for i in range(2)]
    attachments.attach(meeting, documents, actor=secretary, kind="document")
    return meeting, secretary


def bench_bundle(runs: int = 5) -> dict:
    """Build the meeting (Django set up on a migrated database) and time its bundle: the
    PDF alone (``meeting_bundle``) and the page's service (``issue_bundle``, which also
    keeps the code and audits)."""
    from gongzhi.orglife import bundle

    meeting, secretary = build_meeting()
    bundle.meeting_bundle(meeting)  # the font registered once per process, as a server
    wall, cpu, size = [], [], 0
    for _ in range(runs):
        with Timer() as timer:
            data = bundle.meeting_bundle(meeting)
        wall.append(timer.seconds)
        cpu.append(timer.cpu)
        size = len(data)
    with Timer() as issued:
        bundle.issue_bundle(meeting, actor=secretary)
    result = {
        "attendees": ATTENDEES,
        "photos": PHOTOS,
        "pdf_bytes": size,
        "bundle": summary_ms(wall, cpu),
        "issue_ms": round(issued.seconds * 1000, 1),
    }
    result["targets"] = {"bundle_max_s": target(round(max(wall), 3), TARGET_S, unit="s")}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args, _others = parser.parse_known_args()  # run_all's options (--fresh) are not ours
    # Its own SQLite file in a temporary folder, whatever the bench runs on (the fixtures'
    # district would collide with the bench district); the figures go where run_all looks.
    database_url = os.environ.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-bundle-") as var_dir:
        os.environ["GONGZHI_VAR_DIR"] = var_dir
        from common import setup

        setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        state = machine()
        result = bench_bundle(args.runs)
    result["machine"] = state
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    path = write_result("orglife_bundle", result)
    figures = result["bundle"]
    print(
        f"orglife bundle ({ATTENDEES} attendees, {PHOTOS} photos 3000×2000): "
        f"p50 {figures['p50_ms']} ms, max {figures['max_ms']} ms, "
        f"{result['pdf_bytes'] // 1024} KB; issue {result['issue_ms']} ms → {path}"
    )
    return 0 if result["targets"]["bundle_max_s"]["ok"] else TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
