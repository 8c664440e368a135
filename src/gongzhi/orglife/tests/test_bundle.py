"""The record bundle (纪实包), the meeting record book (会议记录本) and the check of a paper
copy's code: real PDFs read back with pypdf, real workbooks with openpyxl."""

import io
import logging
from datetime import date, datetime, time, timedelta
from urllib.parse import unquote

import openpyxl
import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from gongzhi.accounts.roles import Role
from gongzhi.attachments import services as attachments
from gongzhi.attachments.params import MAX_IMAGES
from gongzhi.attachments.testing import png_bytes, upload
from gongzhi.core import params
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog, ParameterValue
from gongzhi.core.testing import make_user, sign_in
from gongzhi.party.testing import add_member, build_party

from .. import bundle, rules
from ..choices import Entitlement, MakeUpWay, MeetingKind, MeetingState, Presence, SignInWay
from ..models import Attendance, Decision, Meeting, Minutes

NAMES = ["张小明", "李红梅", "王建国", "赵丽华", "刘德明", "陈淑芬"]


# --- A small factory ---------------------------------------------------------------------------


def make_meeting(organization, held_on, *, kind=MeetingKind.ASSEMBLY, topic="学习党的二十大精神"):
    return Meeting.objects.create(
        organization=organization,
        path=organization.path,
        kind=kind,
        year=held_on.year,
        planned_on=held_on,
        held_on=held_on,
        start_time=time(14, 30),
        place="社区党群服务中心二楼会议室",
        topic=topic,
        agenda="一、传达学习文件\n二、讨论表决发展对象\n三、布置下季度工作",
        state=MeetingState.HELD,
        notified_at=timezone.make_aware(datetime.combine(held_on - timedelta(days=3), time(9))),
    )


def roster(meeting, members, *, leave=(), absent=()):
    signed = timezone.make_aware(datetime.combine(meeting.held_on, time(14, 20)))
    for i, member in enumerate(members):
        row = Attendance(meeting=meeting, member=member, entitlement=Entitlement.MEMBER)
        if i in leave:
            row.presence = Presence.LEAVE
            row.leave_reason = "外出务工"
            row.makeup_on = meeting.held_on + timedelta(days=5)
            row.makeup_way = MakeUpWay.MATERIALS
            row.makeup_note = "已学习会议材料"
        elif i in absent:
            row.presence = Presence.ABSENT
        else:
            row.presence, row.way, row.signed_at = Presence.PRESENT, SignInWay.QR, signed
        row.save()


def decide(meeting, **votes):
    return Decision.objects.create(
        meeting=meeting,
        title="确定王建国同志为发展对象",
        text="经党员大会表决，同意确定为发展对象。",
        voted=True,
        secret_ballot=True,
        votes_for=votes.get("votes_for", 4),
        votes_against=votes.get("votes_against", 1),
        votes_abstain=votes.get("votes_abstain", 0),
        passed=True,
    )


def minutes(meeting, user, number=1, *, text="会议由书记主持，传达学习了文件精神。", reason=""):
    return Minutes.objects.create(
        meeting=meeting,
        number=number,
        text=text,
        recorder="李红梅",
        reason=reason,
        author=user,
        approved_at=timezone.now(),
        approved_by=user,
    )


def jpeg(size=(800, 600), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.fixture
def party(world):
    return build_party(world)


@pytest.fixture
def members(world, party):
    admin = world.users["district_admin"]
    return [
        add_member(admin, party.ours_branch, name, serial=i + 1, birth=date(1970 + i, 3, 4))
        for i, name in enumerate(NAMES)
    ]


@pytest.fixture
def meeting(world, party, members):
    held = make_meeting(party.ours_branch, date(2026, 3, 12))
    roster(held, members, leave=(4,), absent=(5,))
    decide(held)
    minutes(held, world.users["branch_secretary"])
    return held


@pytest.fixture
def stranger(world):
    """The secretary of the sibling community: may view meetings, not ours."""
    return make_user("ls", Role.COMMUNITY_SECRETARY, world.sibling.community)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def image_xobjects(data: bytes) -> int:
    """Distinct image XObjects across the PDF's pages."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    found = set()
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        for ref in xobjects.values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                found.add(ref.idnum)
    return len(found)


# --- The rule: 应到/实到/请假/缺席 ------------------------------------------------------------------


def test_roster_counts_leave_the_invited_out_and_count_the_unsigned_as_absent():
    rows = [
        (Entitlement.MEMBER, Presence.PRESENT),
        (Entitlement.PROBATIONARY, Presence.ONLINE),
        (Entitlement.COMMITTEE, Presence.LEAVE),
        (Entitlement.MEMBER, Presence.ABSENT),
        (Entitlement.MEMBER, Presence.UNKNOWN),
        (Entitlement.INVITED, Presence.PRESENT),
    ]
    assert rules.roster_counts(rows) == rules.RosterCounts(
        entitled=5, attended=2, leave=1, absent=2, invited=1
    )
    assert rules.roster_counts([]) == rules.RosterCounts(0, 0, 0, 0, 0)


# --- The bundle ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_bundle_reads_back_with_the_org_a_member_the_votes_and_its_code(meeting):
    data = bundle.meeting_bundle(meeting)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    code = bundle.fingerprint(meeting)
    assert "和顺社区第一党支部" in text
    assert "张小明" in text and "陈淑芬" in text
    assert "赞成 4 票，反对 1 票，弃权 0 票" in text
    assert "无记名投票" in text
    assert "应到 6 人，实到 4 人，请假 1 人，缺席 1 人" in text
    assert "外出务工" in text and "学习会议材料" in text
    assert "会议由书记主持" in text
    assert code in text.replace("\n", "") and bundle.short_code(code) in text
    # Every page's footer: the code and "page x / y".
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        page_text = page.extract_text()
        assert f"第 {number} / {pages} 页" in page_text
        assert code in page_text


@pytest.mark.django_db
def test_the_code_is_the_fingerprint_and_is_stable(meeting):
    code = bundle.fingerprint(meeting)
    assert len(code) == 64 and int(code, 16) >= 0
    assert bundle.fingerprint(meeting) == code
    # Reading the meeting again (another query, same rows) gives the same code.
    assert bundle.fingerprint(Meeting.objects.get(pk=meeting.pk)) == code


@pytest.mark.django_db
def test_each_recorded_fact_changes_the_fingerprint(world, meeting, members):
    seen = {bundle.fingerprint(meeting)}
    Decision.objects.filter(meeting=meeting).update(votes_abstain=1)
    seen.add(bundle.fingerprint(meeting))
    Attendance.objects.filter(meeting=meeting, member=members[5]).update(
        makeup_on=date(2026, 3, 20), makeup_way=MakeUpWay.PHONE
    )
    seen.add(bundle.fingerprint(meeting))
    minutes(meeting, world.users["branch_secretary"], 2, text="更正后的记录", reason="漏记议题")
    seen.add(bundle.fingerprint(meeting))
    attachments.attach(
        meeting,
        [upload("签到表.txt", "签到表".encode())],
        actor=world.users["secretary"],
        kind="document",
    )
    seen.add(bundle.fingerprint(meeting))
    assert len(seen) == 5


@pytest.mark.django_db
def test_a_draft_of_the_minutes_is_not_part_of_the_record(world, meeting):
    code = bundle.fingerprint(meeting)
    Minutes.objects.create(
        meeting=meeting, number=2, text="草稿", reason="补充", author=world.users["secretary"]
    )
    assert bundle.fingerprint(meeting) == code
    assert "草稿" not in pdf_text(bundle.meeting_bundle(meeting))


@pytest.mark.django_db
def test_the_latest_approved_minutes_are_printed_with_the_corrections(world, meeting):
    minutes(meeting, world.users["secretary"], 2, text="第二版记录正文", reason="补记表决情况")
    text = pdf_text(bundle.meeting_bundle(meeting))
    assert "第 2 版" in text and "第二版记录正文" in text
    assert "会议由书记主持" not in text  # the earlier version is not the record any more
    assert "补记表决情况" in text and "更正记录" in text


@pytest.mark.django_db
def test_ten_photos_are_embedded_scaled_and_the_other_files_listed(world, meeting):
    ParameterValue.objects.create(key=MAX_IMAGES, value=12, effective_from=date(2000, 1, 1))
    params._OVERRIDES.forget()
    photos = [upload(f"现场{i}.jpg", jpeg(color=(20 * i, 90, 160))) for i in range(10)]
    attachments.attach(meeting, photos, actor=world.users["secretary"], kind="photo")
    attachments.attach(
        meeting,
        [upload("会议通知.txt", "通知".encode())],
        actor=world.users["secretary"],
        kind="document",
    )
    data = bundle.meeting_bundle(meeting)
    assert image_xobjects(data) == 10
    text = pdf_text(data)
    assert "照片 10 / 10" in text
    assert "会议通知.txt" in text


@pytest.mark.django_db
def test_a_transparent_png_is_printed_on_white(world, meeting):
    attachments.attach(
        meeting, [upload("标志.png", png_bytes((60, 40)))], actor=world.users["secretary"]
    )
    assert image_xobjects(bundle.meeting_bundle(meeting)) == 1


@pytest.mark.django_db
def test_a_meeting_not_held_has_no_bundle(world, party):
    planned = make_meeting(party.ours_branch, date(2026, 11, 20))
    Meeting.objects.filter(pk=planned.pk).update(state=MeetingState.PLANNED, held_on=None)
    planned.refresh_from_db()
    with pytest.raises(RuleViolation) as refused:
        bundle.issue_bundle(planned, actor=world.users["secretary"])
    assert refused.value.field == "state"


@pytest.mark.django_db
def test_without_the_font_file_the_pdf_falls_back_to_the_builtin_font(
    settings, meeting, monkeypatch, caplog
):
    settings.GONGZHI_PDF_FONT = "/nonexistent/font.ttc"
    monkeypatch.setattr(bundle, "_font_name", None)
    with caplog.at_level(logging.WARNING, logger="gongzhi.orglife.bundle"):
        data = bundle.meeting_bundle(meeting)
        bundle.meeting_bundle(meeting)
    assert b"STSong-Light" in data
    assert "张小明" in pdf_text(data)
    assert len([r for r in caplog.records if "falling back" in r.getMessage()]) == 1
    monkeypatch.setattr(bundle, "_font_name", None)  # the next test registers the real one


# --- The service and the pages ----------------------------------------------------------------------


@pytest.mark.django_db
def test_issuing_keeps_the_code_on_the_meeting_and_audits_it(world, meeting):
    actor = world.users["branch_secretary"]
    data = bundle.issue_bundle(meeting, actor=actor)
    meeting.refresh_from_db()
    assert meeting.bundle_sha256 == bundle.fingerprint(meeting)
    assert meeting.bundle_at is not None
    assert meeting.bundle_sha256 in pdf_text(data).replace("\n", "")
    record = AuditLog.objects.get(action="orglife.bundle.generated")
    assert record.data["sha256"] == meeting.bundle_sha256 and record.username == actor.username


@pytest.mark.django_db
def test_another_communitys_user_cannot_issue_the_bundle(meeting, stranger):
    with pytest.raises(NotFoundOrForbidden):
        bundle.issue_bundle(meeting, actor=stranger)


@pytest.mark.django_db
def test_the_bundle_page_downloads_a_pdf_with_a_chinese_file_name(client, world, meeting):
    sign_in(client, world.users["secretary"])
    response = client.get(reverse("orglife:meeting_bundle", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert unquote(disposition.split("''", 1)[1]) == (
        "会议纪实包-和顺社区第一党支部-党员大会-2026-03-12.pdf"
    )
    data = b"".join(response.streaming_content)
    assert "和顺社区第一党支部" in pdf_text(data)


@pytest.mark.django_db
def test_another_communitys_user_gets_no_pdf(client, meeting, stranger):
    sign_in(client, stranger)
    response = client.get(reverse("orglife:meeting_bundle", args=[meeting.pk]))
    assert response.status_code == 404
    missing = client.get(reverse("orglife:meeting_bundle", args=[meeting.pk + 1000]))
    assert missing.status_code == 404
    assert not AuditLog.objects.filter(action="orglife.bundle.generated").exists()


@pytest.mark.django_db
def test_the_bundle_page_of_a_meeting_not_held_says_why(client, world, party):
    planned = make_meeting(party.ours_branch, date(2026, 11, 20))
    Meeting.objects.filter(pk=planned.pk).update(state=MeetingState.NOTIFIED, held_on=None)
    sign_in(client, world.users["secretary"])
    response = client.get(reverse("orglife:meeting_bundle", args=[planned.pk]))
    assert response.status_code == 409
    assert "会议尚未召开" in response.content.decode()


# --- Verification ---------------------------------------------------------------------------------------


def verify_page(client, code):
    return client.get(reverse("orglife:verify"), {"code": code}).content.decode()


@pytest.mark.django_db
def test_the_printed_code_verifies_until_the_minutes_are_corrected(client, world, meeting):
    user = world.users["secretary"]
    bundle.issue_bundle(meeting, actor=user)
    meeting.refresh_from_db()
    printed = meeting.bundle_sha256
    sign_in(client, user)
    page = verify_page(client, printed)
    assert 'data-verify-result="match"' in page and "一致" in page
    # The short code, typed in lower case with spaces, finds it too.
    assert 'data-verify-result="match"' in verify_page(
        client, bundle.short_code(printed).lower().replace("-", " ")
    )

    minutes(meeting, world.users["branch_secretary"], 2, text="更正稿", reason="漏记一名请假人员")
    assert bundle.fingerprint(meeting) != printed
    page = verify_page(client, printed)
    assert 'data-verify-result="changed"' in page
    assert "记录已更正，与纸质件不一致" in page
    assert "漏记一名请假人员" in page


@pytest.mark.django_db
def test_an_older_paper_copy_is_found_after_a_new_bundle(client, world, meeting):
    user = world.users["secretary"]
    bundle.issue_bundle(meeting, actor=user)
    meeting.refresh_from_db()
    old = meeting.bundle_sha256
    minutes(meeting, user, 2, text="更正稿", reason="更正参会人数")
    bundle.issue_bundle(meeting, actor=user)
    meeting.refresh_from_db()
    assert meeting.bundle_sha256 != old
    sign_in(client, user)
    page = verify_page(client, old)
    assert 'data-verify-result="changed"' in page and "更正参会人数" in page
    assert 'data-verify-result="match"' in verify_page(client, meeting.bundle_sha256)


@pytest.mark.django_db
def test_verification_leaks_nothing_to_another_community(client, meeting, stranger, world):
    bundle.issue_bundle(meeting, actor=world.users["secretary"])
    meeting.refresh_from_db()
    sign_in(client, stranger)
    page = verify_page(client, meeting.bundle_sha256)
    assert 'data-verify-result="unknown"' in page and "无法核验" in page
    assert "和顺" not in page
    # A code no meeting has reads the same.
    unknown = verify_page(client, "0" * 64)
    assert 'data-verify-result="unknown"' in unknown


@pytest.mark.django_db
def test_a_malformed_code_is_refused_with_the_field_named(client, world):
    sign_in(client, world.users["secretary"])
    page = verify_page(client, "not-a-code")
    assert "校验码：应为纸质件页脚的 64 位校验码" in page
    assert 'value="not-a-code"' in page  # the input is kept


# --- The record book -------------------------------------------------------------------------------------


@pytest.fixture
def year_of_meetings(world, party, members):
    branch = party.ours_branch
    made = []
    for month, kind in (
        (9, MeetingKind.LECTURE),
        (2, MeetingKind.COMMITTEE),
        (6, MeetingKind.THEME_DAY),
    ):
        m = make_meeting(branch, date(2026, month, 10), kind=kind, topic=f"{month}月会议")
        roster(m, members[:4], leave=(3,))
        made.append(m)
    decide(made[0])
    minutes(made[0], world.users["secretary"])
    make_meeting(branch, date(2025, 12, 20), topic="上一年的会议")
    cancelled = make_meeting(branch, date(2026, 4, 10), topic="取消的会议")
    Meeting.objects.filter(pk=cancelled.pk).update(state=MeetingState.CANCELLED)
    make_meeting(party.sibling_branch, date(2026, 5, 10), topic="邻里的会议")
    return made


@pytest.mark.django_db
def test_the_record_book_has_every_meeting_held_in_the_year_in_date_order(party, year_of_meetings):
    data = bundle.record_book(party.ours_branch, 2026)
    text = pdf_text(data)
    assert "和顺社区第一党支部" in text and "2026年度 会议记录本" in text and "目录" in text
    for topic in ("2月会议", "6月会议", "9月会议"):
        assert topic in text
    for topic in ("上一年的会议", "取消的会议", "邻里的会议"):
        assert topic not in text
    body = text[text.index("共 3 次会议") :]
    assert body.index("2026-02-10") < body.index("2026-06-10") < body.index("2026-09-10")
    for m in year_of_meetings:
        assert bundle.short_code(bundle.fingerprint(m)) in text
    assert image_xobjects(data) == 0


@pytest.mark.django_db
def test_the_record_book_pages_download_pdf_and_excel(client, world, party, year_of_meetings):
    sign_in(client, world.users["branch_secretary"])
    url = reverse("orglife:record_book")
    query = {"organization": party.ours_branch.pk, "year": 2026}
    response = client.get(url, query)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "9月会议" in pdf_text(b"".join(response.streaming_content))

    response = client.get(url, {**query, "format": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("召开日期", "会议类型", "主题", "应到")
    assert [r[2] for r in rows[1:]] == ["2月会议", "6月会议", "9月会议"]
    lecture = rows[3]
    assert lecture[0] == datetime(2026, 9, 10)  # a real date cell
    assert lecture[1] == "党课"
    assert lecture[3:8] == (4, 3, 1, 0, 1)  # numbers, not text
    assert lecture[8] == "是" and rows[1][8] == "否"
    assert lecture[9] == bundle.fingerprint(year_of_meetings[0])
    # The codes printed are kept: a paper copy of the book verifies.
    year_of_meetings[0].refresh_from_db()
    assert year_of_meetings[0].bundle_sha256 == lecture[9]
    assert AuditLog.objects.filter(action="orglife.record_book.generated").count() == 2
    assert AuditLog.objects.filter(action="core.list.exported").exists()


@pytest.mark.django_db
def test_the_record_book_cells_are_neutralised(client, world, party, members):
    m = make_meeting(party.ours_branch, date(2026, 5, 1), topic='=HYPERLINK("http://x")')
    roster(m, members[:2])
    sign_in(client, world.users["secretary"])
    response = client.get(
        reverse("orglife:record_book"),
        {"organization": party.ours_branch.pk, "year": 2026, "format": "xlsx"},
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cell = book.active.cell(row=2, column=3)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


@pytest.mark.django_db
def test_the_record_book_form_names_the_bad_field_and_hides_other_communities(
    client, party, stranger, year_of_meetings
):
    sign_in(client, stranger)
    url = reverse("orglife:record_book")
    page = client.get(url, {"organization": party.ours_branch.pk, "year": 2026}).content.decode()
    assert "党组织：请从列表中选择您可查看的党组织。" in page
    assert "和顺社区第一党支部" not in page
    page = client.get(url, {"organization": party.sibling_branch.pk, "year": 2999})
    assert "尚未到来" in page.content.decode()
    assert not AuditLog.objects.filter(action="orglife.record_book.generated").exists()


def test_the_meeting_page_offers_the_bundle_once_held(client, world, meeting):
    sign_in(client, world.users["secretary"])
    bundle_url = reverse("orglife:meeting_bundle", args=[meeting.pk])
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert bundle_url in page
    Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.NOTIFIED)
    assert bundle_url not in client.get(meeting.get_absolute_url()).content.decode()
