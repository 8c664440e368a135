"""The record bundle (纪实包) of a meeting and an organization's yearly meeting record book
(会议记录本): printable PDFs with a verification code, and the book's Excel (ADR 0013).

The verification code is a SHA-256 over a canonical JSON of what the meeting recorded
(``record_of``: notice, roster and sign-in, leave and make-up, decisions and votes, the
approved minutes, the files' digests), not over the PDF's bytes: it is printed inside the
PDF, and recomputed later from the database, so that a paper copy can be checked against
the record as it stands (``verify``). The same record feeds the PDF, so what is printed is
what is hashed.

The PDF is built with reportlab in the request (a meeting with 50 attendees and 10 photos
takes well under the 2 s the issue asks: bench/bench_orglife_bundle.py). Chinese text uses
a subset of the TrueType font ``settings.GONGZHI_PDF_FONT`` (WenQuanYi Micro Hei), embedded;
without it, the readers' built-in ``STSong-Light`` (not embedded). Photos are the
attachments' stored images (already re-encoded without EXIF by the attachments app),
decoded at a reduced scale and embedded as JPEG of at most ``PHOTO_EDGE`` pixels.
"""

import hashlib
import io
import json
import logging
import os
import re
import tempfile
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from gongzhi.attachments.models import Attachment
from gongzhi.attachments.storage import storage
from gongzhi.core import audit
from gongzhi.core.display import date_text
from gongzhi.core.errors import RuleViolation
from gongzhi.core.exports import Exporter, Workbook, write_row
from gongzhi.core.services import atomic, require
from gongzhi.core.types import Actor, Visitor
from gongzhi.party.models import Organization

from .choices import HAPPENED, Entitlement, MakeUpWay, MeetingKind, Presence, SignInWay
from .models import Meeting, Minutes
from .permissions import VIEW
from .rules import RosterCounts, roster_counts

logger = logging.getLogger(__name__)

# Binary streams, not ASCII85: a photo's JPEG is copied into the PDF as it is instead of
# through reportlab's pure-Python ASCII85 encoder (0.3 s a photo without its optional C
# accelerator) and the file is a fifth smaller. Gongzhi's only use of reportlab.
rl_config.useA85 = 0

FORMAT = 1  # of the canonical record: a new field is a new format, old codes stay checkable
PHOTO_EDGE = 1200  # pixels of a photo's longest edge in the PDF (about 175 dpi across A4)
PHOTO_QUALITY = 80
GENERATED = "orglife.bundle.generated"
BOOK_GENERATED = "orglife.record_book.generated"
SHORT_LENGTH = 12  # hex digits of the short code (48 bits)


# --- The canonical record and its fingerprint ------------------------------------------------


def _when(value: datetime | None) -> str | None:
    """A moment in UTC to the second: the same text on every database."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person(user: Any) -> str:
    if user is None:
        return ""
    return getattr(user, "full_name", "") or user.get_username()


def with_record(queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Meetings with what their record reads, in a fixed number of queries."""
    return queryset.select_related("organization", "lecturer").prefetch_related(
        Prefetch("attendance", to_attr="roster_rows", queryset=_roster_rows()),
        "decisions",
        Prefetch(
            "minutes",
            to_attr="approved_minutes",
            queryset=Minutes.objects.filter(approved_at__isnull=False)
            .select_related("author", "approved_by")
            .order_by("number"),
        ),
    )


def _roster_rows() -> QuerySet:
    from .models import Attendance

    return Attendance.objects.select_related("member").order_by("id")


def files_of(meeting_ids: list[int]) -> dict[int, list[Attachment]]:
    """The attachments of each meeting, oldest first, in one query."""
    found: dict[int, list[Attachment]] = defaultdict(list)
    rows = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(Meeting, for_concrete_model=False),
        object_id__in=meeting_ids,
    ).order_by("uploaded_at", "id")
    for row in rows:
        found[row.object_id].append(row)
    return found


def record_of(meeting: Meeting, files: list[Attachment]) -> dict[str, Any]:
    """What the meeting recorded, as plain data: hashed for the code, printed in the PDF.
    ``meeting`` comes from ``with_record``."""
    organization = meeting.organization
    lecturer = meeting.lecturer.name if meeting.lecturer_id else meeting.lecturer_name
    return {
        "format": FORMAT,
        "meeting": meeting.pk,
        "organization": {"id": organization.pk, "name": organization.name},
        "kind": meeting.kind,
        "topic": meeting.topic,
        "agenda": meeting.agenda,
        "planned_on": _day(meeting.planned_on),
        "held_on": _day(meeting.held_on),
        "start_time": meeting.start_time.strftime("%H:%M") if meeting.start_time else None,
        "place": meeting.place,
        "lecturer": lecturer,
        "notified_at": _when(meeting.notified_at),
        "class_hours": str(meeting.class_hours) if meeting.class_hours is not None else None,
        "roster": [
            {
                "member": row.member_id,
                "name": row.member.name,
                "entitlement": row.entitlement,
                "presence": row.presence,
                "way": row.way,
                "signed_at": _when(row.signed_at),
                "leave_reason": row.leave_reason,
                "makeup_on": _day(row.makeup_on),
                "makeup_way": row.makeup_way,
                "makeup_note": row.makeup_note,
            }
            for row in meeting.roster_rows  # type: ignore[attr-defined]
        ],
        "decisions": [
            {
                "id": d.pk,
                "title": d.title,
                "text": d.text,
                "voted": d.voted,
                "secret_ballot": d.secret_ballot,
                "for": d.votes_for,
                "against": d.votes_against,
                "abstain": d.votes_abstain,
                "passed": d.passed,
            }
            for d in sorted(meeting.decisions.all(), key=lambda d: d.pk)
        ],
        "minutes": [
            {
                "number": m.number,
                "text": m.text,
                "recorder": m.recorder,
                "reason": m.reason,
                "author": _person(m.author),
                "created_at": _when(m.created_at),
                "approved_at": _when(m.approved_at),
                "approved_by": _person(m.approved_by),
            }
            for m in meeting.approved_minutes  # type: ignore[attr-defined]
        ],
        "files": [
            {
                "id": f.pk,
                "kind": f.kind,
                "name": f.name,
                "mime": f.mime_type,
                "size": f.size,
                "sha256": f.sha256,
                "caption": f.caption,
                "uploaded_at": _when(f.uploaded_at),
            }
            for f in files
        ],
    }


def digest(record: dict[str, Any]) -> str:
    text = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _loaded(meeting: Meeting) -> tuple[Meeting, list[Attachment]]:
    fresh = with_record(Meeting.objects.filter(pk=meeting.pk)).get()
    return fresh, files_of([fresh.pk])[fresh.pk]


def fingerprint(meeting: Meeting) -> str:
    """The verification code of the meeting's record as it stands (64 hex digits)."""
    return digest(record_of(*_loaded(meeting)))


def short_code(code: str) -> str:
    """The short form printed beside the code: ``3F2A-9C1B-77D0``."""
    head = code[:SHORT_LENGTH].upper()
    return "-".join(head[i : i + 4] for i in range(0, SHORT_LENGTH, 4))


# --- Fonts and styles ---------------------------------------------------------------------------

_font_lock = threading.Lock()
_font_name: str | None = None
EMBEDDED = "GongzhiCJK"
FALLBACK = "STSong-Light"


def font() -> str:
    """The registered font's name: the configured TrueType font, subset and embedded, or
    (missing, with one warning) the readers' built-in STSong-Light."""
    global _font_name
    with _font_lock:
        if _font_name is None:
            path = settings.GONGZHI_PDF_FONT
            try:
                pdfmetrics.registerFont(TTFont(EMBEDDED, path, subfontIndex=0))
                _font_name = EMBEDDED
            except Exception as exc:  # reportlab raises TTFError, OSError or its own
                logger.warning(
                    "PDF font %s unusable (%s): falling back to the built-in %s, not "
                    "embedded (install fonts-wqy-microhei or set GONGZHI_PDF_FONT)",
                    path,
                    exc,
                    FALLBACK,
                )
                pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
                _font_name = FALLBACK
        return _font_name


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    cover: ParagraphStyle
    toc: ParagraphStyle


def styles() -> Styles:
    name = font()
    body = ParagraphStyle("gz-body", fontName=name, fontSize=10, leading=15, wordWrap="CJK")
    return Styles(
        body=body,
        small=ParagraphStyle("gz-small", parent=body, fontSize=8, leading=11),
        cell=ParagraphStyle("gz-cell", parent=body, fontSize=8.5, leading=11),
        title=ParagraphStyle(
            "gz-title", parent=body, fontSize=17, leading=24, alignment=TA_CENTER, spaceAfter=4
        ),
        subtitle=ParagraphStyle(
            "gz-subtitle", parent=body, fontSize=12, leading=17, alignment=TA_CENTER
        ),
        heading=ParagraphStyle(
            "gz-heading", parent=body, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4
        ),
        cover=ParagraphStyle("gz-cover", parent=body, fontSize=24, leading=36, alignment=TA_CENTER),
        toc=ParagraphStyle("gz-toc", parent=body, fontSize=10, leading=16),
    )


def _text(value: Any) -> str:
    """Paragraph markup of user text: escaped, line breaks kept."""
    return escape(str(value)).replace("\n", "<br/>")


def _p(value: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(_text(value), style)


def _label(choices: Any, value: str) -> str:
    if not value:
        return "—"
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _moment(value: str | None) -> str:
    """A moment of the record (UTC ISO text) as the pages show it, local time."""
    if not value:
        return "—"
    return date_text(datetime.fromisoformat(value))


def _grid(rows: list[list[Any]], widths: list[float], *, header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")))
    table.setStyle(TableStyle(style))
    return table


# --- Pages: footers with "page x/y" -------------------------------------------------------------

PAGE = A4
MARGIN = 18 * mm
WIDTH = PAGE[0] - 2 * MARGIN


class _Mark(Flowable):
    """Invisible: sets the code the footers of the following pages print."""

    width = height = 0

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._gz_code = self.code  # type: ignore[attr-defined]


def _canvas_class(left: str, font_name: str) -> type[pdfcanvas.Canvas]:
    """A canvas that keeps its pages until the end, then writes each footer: ``left``
    (the page's code, when a ``_Mark`` set one, appended) and "第 x / y 页"."""

    class Numbered(pdfcanvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._gz_code = ""
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(font_name, 7.5)
                self.setFillColor(colors.HexColor("#444444"))
                code = state.get("_gz_code", "")
                text = f"{left}  {_('校验码')} {code}" if code else left
                self.drawString(MARGIN, 10 * mm, text)
                self.drawRightString(
                    PAGE[0] - MARGIN,
                    10 * mm,
                    _("第 %(page)d / %(pages)d 页") % {"page": number, "pages": total},
                )
                super().showPage()
            super().save()

    return Numbered


class _Doc(BaseDocTemplate):
    """A4 with one frame; headings marked ``toc_level`` become table-of-contents entries."""

    def __init__(self, target: io.BytesIO, *, title: str) -> None:
        super().__init__(
            target,
            pagesize=PAGE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=title,
            author=_("共治"),
            creator=_("共治"),
        )
        frame = Frame(MARGIN, MARGIN, WIDTH, PAGE[1] - 2 * MARGIN, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        level = getattr(flowable, "toc_level", None)
        if level is not None:
            self.notify("TOCEntry", (level, flowable.toc_text, self.page))


# --- One meeting's record as flowables ---------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    # A JPEG file in the build's temporary folder; None: the stored file could not be read.
    # A file, not bytes: given a file name, reportlab copies a JPEG into the PDF as it is;
    # given an image object, it decodes it once more to fingerprint it.
    path: str | None
    width: int
    height: int
    caption: str


def _photo(row: Attachment, folder: str) -> Photo:
    """A stored image decoded at a reduced scale and embedded as a JPEG of at most about
    ``PHOTO_EDGE`` pixels. JPEG's draft mode decodes at 1/2, 1/4 or 1/8 directly (a stored
    photo of 2,560 px comes out at 1,280 px, no resampling); anything still larger than a
    quarter above the edge is scaled down. The stored files are the attachments app's own
    re-encodings (ADR 0011), so decoding them here is no untrusted decode."""
    caption = row.caption or row.name
    try:
        with storage().open(row.blob, "rb") as stored:
            image: PILImage.Image = PILImage.open(stored)
            width, height = image.size
            ratio = PHOTO_EDGE / max(width, height)
            if ratio < 1:
                image.draft("RGB", (max(1, int(width * ratio)), max(1, int(height * ratio))))
            image.load()
            if image.mode in ("RGBA", "LA", "P", "PA"):
                image = image.convert("RGBA")
                flat = PILImage.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            elif image.mode != "RGB":
                image = image.convert("RGB")
            if max(image.size) > PHOTO_EDGE * 5 // 4:
                image.thumbnail((PHOTO_EDGE, PHOTO_EDGE), PILImage.Resampling.BILINEAR)
            path = os.path.join(folder, f"{row.pk}.jpg")
            image.save(path, "JPEG", quality=PHOTO_QUALITY)
    except (OSError, ValueError) as exc:  # a missing or unreadable file: said on the page
        logger.warning("record bundle: photo %s unreadable: %s", row.pk, exc)
        return Photo(None, 0, 0, caption)
    return Photo(path, image.width, image.height, caption)


def _counts(record: dict[str, Any]) -> RosterCounts:
    return roster_counts((r["entitlement"], r["presence"]) for r in record["roster"])


def _heading(text: str, s: Styles) -> Paragraph:
    return Paragraph(_text(text), s.heading)


def meeting_story(
    record: dict[str, Any],
    code: str,
    s: Styles,
    *,
    photos: list[Photo] | None,
    toc: bool = False,
) -> list[Flowable]:
    """The flowables of one meeting's record; ``photos`` None: files listed only (the
    record book)."""
    kind = _label(MeetingKind, record["kind"])
    held = record["held_on"] or record["planned_on"]
    # The footers print the full code; the record book's, with its longer title, the short one.
    story: list[Flowable] = [_Mark(short_code(code) if toc else code)]
    title = Paragraph(_text(f"{held} {kind}"), s.title)
    if toc:
        title.toc_level = 0  # type: ignore[attr-defined]
        title.toc_text = f"{held}  {kind}  {record['topic']}"  # type: ignore[attr-defined]
    else:
        story.append(Paragraph(_text(record["organization"]["name"]), s.subtitle))
        title = Paragraph(_text(_("%(kind)s 会议纪实") % {"kind": kind}), s.title)
    story.append(title)
    approved = record["minutes"][-1] if record["minutes"] else None
    when = held + (f" {record['start_time']}" if record["start_time"] else "")
    info = [
        (_("党组织"), record["organization"]["name"]),
        (_("会议类型"), kind),
        (_("主题"), record["topic"] or "—"),
        (_("召开时间"), when),
        (_("地点"), record["place"] or "—"),
    ]
    if record["lecturer"]:
        info.append((_("授课人"), record["lecturer"]))
    if approved and approved["recorder"]:
        info.append((_("记录人"), approved["recorder"]))
    if record["class_hours"]:
        info.append((_("计入学时"), record["class_hours"]))
    info.append((_("校验码"), code))
    info.append((_("短码"), short_code(code)))
    story.append(
        _grid(
            [[_p(k, s.cell), _p(v, s.cell)] for k, v in info],
            [28 * mm, WIDTH - 28 * mm],
            header=False,
        )
    )

    story.append(_heading(_("一、会议通知"), s))
    story.append(_p(_("通知时间：%(at)s") % {"at": _moment(record["notified_at"])}, s.body))
    story.append(_p(_("议程："), s.body))
    story.append(_p(record["agenda"] or "—", s.body))

    counts = _counts(record)
    story.append(_heading(_("二、参会人员及签到"), s))
    line = _(
        "应到 %(entitled)d 人，实到 %(attended)d 人，请假 %(leave)d 人，缺席 %(absent)d 人"
    ) % {
        "entitled": counts.entitled,
        "attended": counts.attended,
        "leave": counts.leave,
        "absent": counts.absent,
    }
    if counts.invited:
        line += _("；列席 %(n)d 人") % {"n": counts.invited}
    story.append(_p(line, s.body))
    rows: list[list[Any]] = [
        [_p(h, s.cell) for h in (_("序号"), _("姓名"), _("参会身份"), _("出席情况"))]
        + [_p(h, s.cell) for h in (_("签到方式"), _("签到时间"))]
    ]
    for number, r in enumerate(record["roster"], start=1):
        rows.append(
            [
                _p(number, s.cell),
                _p(r["name"], s.cell),
                _p(_label(Entitlement, r["entitlement"]), s.cell),
                _p(_label(Presence, r["presence"]), s.cell),
                _p(_label(SignInWay, r["way"]), s.cell),
                _p(_moment(r["signed_at"]), s.cell),
            ]
        )
    story.append(_grid(rows, [12 * mm, 30 * mm, 28 * mm, 24 * mm, 28 * mm, WIDTH - 122 * mm]))

    story.append(_heading(_("三、请假及补课"), s))
    missed = [
        r
        for r in record["roster"]
        if r["entitlement"] != Entitlement.INVITED
        and r["presence"] not in (Presence.PRESENT, Presence.ONLINE)
    ]
    if missed:
        rows = [
            [
                _p(h, s.cell)
                for h in (
                    _("姓名"),
                    _("出席情况"),
                    _("请假事由"),
                    _("补课日期"),
                    _("补课方式"),
                    _("补课情况"),
                )
            ]
        ]
        for r in missed:
            rows.append(
                [
                    _p(r["name"], s.cell),
                    _p(_label(Presence, r["presence"]), s.cell),
                    _p(r["leave_reason"] or "—", s.cell),
                    _p(r["makeup_on"] or _("未补课"), s.cell),
                    _p(_label(MakeUpWay, r["makeup_way"]), s.cell),
                    _p(r["makeup_note"] or "—", s.cell),
                ]
            )
        story.append(_grid(rows, [24 * mm, 20 * mm, 40 * mm, 22 * mm, 26 * mm, WIDTH - 132 * mm]))
    else:
        story.append(_p(_("无请假或缺席人员。"), s.body))

    story.append(_heading(_("四、会议决定及表决"), s))
    if record["decisions"]:
        for number, d in enumerate(record["decisions"], start=1):
            if d["voted"]:
                vote = _("赞成 %(for)d 票，反对 %(against)d 票，弃权 %(abstain)d 票") % {
                    "for": d["for"],
                    "against": d["against"],
                    "abstain": d["abstain"],
                }
                if d["secret_ballot"]:
                    vote += _("（无记名投票）")
                vote += _("，通过") if d["passed"] else _("，未通过")
            else:
                vote = _("未表决")
            story.append(
                _grid(
                    [
                        [_p(_("议题 %(n)d") % {"n": number}, s.cell), _p(d["title"], s.cell)],
                        [_p(_("决定内容"), s.cell), _p(d["text"] or "—", s.cell)],
                        [_p(_("表决"), s.cell), _p(vote, s.cell)],
                    ],
                    [28 * mm, WIDTH - 28 * mm],
                    header=False,
                )
            )
            story.append(Spacer(1, 2 * mm))
    else:
        story.append(_p(_("本次会议无决定事项。"), s.body))

    story.append(_heading(_("五、会议记录"), s))
    if approved:
        story.append(
            _p(
                _("第 %(n)d 版，%(by)s 于 %(at)s 审定；记录人：%(recorder)s")
                % {
                    "n": approved["number"],
                    "by": approved["approved_by"] or "—",
                    "at": _moment(approved["approved_at"]),
                    "recorder": approved["recorder"] or "—",
                },
                s.small,
            )
        )
        story.append(_p(approved["text"], s.body))
        corrections = [m for m in record["minutes"] if m["number"] > 1]
        if corrections:
            story.append(_p(_("更正记录："), s.body))
            rows = [[_p(h, s.cell) for h in (_("版本"), _("更正人"), _("时间"), _("更正原因"))]]
            for m in corrections:
                rows.append(
                    [
                        _p(m["number"], s.cell),
                        _p(m["author"], s.cell),
                        _p(_moment(m["created_at"]), s.cell),
                        _p(m["reason"] or "—", s.cell),
                    ]
                )
            story.append(_grid(rows, [14 * mm, 30 * mm, 32 * mm, WIDTH - 76 * mm]))
    else:
        story.append(_p(_("会议记录尚未审定。"), s.body))

    images = [f for f in record["files"] if f["mime"].startswith("image/")]
    if photos is not None:
        story.append(_heading(_("六、会议照片"), s))
        if not photos:
            story.append(_p(_("无照片。"), s.body))
        for number, photo in enumerate(photos, start=1):
            caption = _p(
                _("照片 %(n)d / %(total)d：%(caption)s")
                % {"n": number, "total": len(photos), "caption": photo.caption},
                s.small,
            )
            if photo.path is None:
                story.append(
                    KeepTogether([caption, _p(_("照片文件无法读取，未能印出。"), s.small)])
                )
                continue
            scale = min(WIDTH / photo.width, 105 * mm / photo.height)
            picture = Image(photo.path, width=photo.width * scale, height=photo.height * scale)
            story.append(KeepTogether([picture, caption, Spacer(1, 3 * mm)]))
        others = [f for f in record["files"] if f not in images]
        story.append(_heading(_("七、其他附件"), s))
    else:
        others = record["files"]
        story.append(_heading(_("六、附件"), s))
    if others:
        rows = [[_p(h, s.cell) for h in (_("文件名"), _("说明"), _("大小"), _("上传时间"))]]
        for f in others:
            rows.append(
                [
                    _p(f["name"], s.cell),
                    _p(f["caption"] or "—", s.cell),
                    _p(_size(f["size"]), s.cell),
                    _p(_moment(f["uploaded_at"]), s.cell),
                ]
            )
        story.append(_grid(rows, [60 * mm, WIDTH - 122 * mm, 22 * mm, 40 * mm]))
    else:
        story.append(_p(_("无。"), s.body))
    return story


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


# --- The two documents ---------------------------------------------------------------------------


def _require_happened(meeting: Meeting) -> None:
    if meeting.state not in HAPPENED:
        raise RuleViolation(
            _("会议尚未召开（当前状态：%(state)s），还没有可以生成纪实包的记录。")
            % {"state": meeting.get_state_display()},
            field="state",
        )


def _meeting_pdf(meeting: Meeting) -> tuple[bytes, str]:
    fresh, files = _loaded(meeting)
    record = record_of(fresh, files)
    code = digest(record)
    s = styles()
    target = io.BytesIO()
    title = _("%(org)s %(kind)s 会议纪实") % {
        "org": record["organization"]["name"],
        "kind": _label(MeetingKind, record["kind"]),
    }
    with tempfile.TemporaryDirectory(prefix="gongzhi-bundle-") as folder:
        photos = [_photo(f, folder) for f in files if f.is_image]
        doc = _Doc(target, title=title)
        doc.build(
            meeting_story(record, code, s, photos=photos),
            canvasmaker=_canvas_class(record["organization"]["name"], font()),
        )
    return target.getvalue(), code


def meeting_bundle(meeting: Meeting) -> bytes:
    """The record bundle of a meeting as a PDF (the caller has checked access)."""
    return _meeting_pdf(meeting)[0]


def book_meetings(organization: Organization, year: int) -> QuerySet[Meeting]:
    """The meetings an organization held in ``year``, in date order."""
    return Meeting.objects.filter(
        organization=organization, state__in=HAPPENED, held_on__year=year
    ).order_by("held_on", "start_time", "id")


@dataclass(frozen=True)
class BookEntry:
    meeting: Meeting
    record: dict[str, Any]
    code: str
    counts: RosterCounts


def book_entries(meetings: QuerySet[Meeting]) -> list[BookEntry]:
    rows = list(with_record(meetings))
    files = files_of([m.pk for m in rows])
    entries = []
    for meeting in rows:
        record = record_of(meeting, files.get(meeting.pk, []))
        entries.append(BookEntry(meeting, record, digest(record), _counts(record)))
    return entries


def _book_pdf(organization: Organization, year: int, entries: list[BookEntry]) -> bytes:
    s = styles()
    title = _("%(org)s %(year)d年会议记录本") % {"org": organization.name, "year": year}
    story: list[Flowable] = [
        Spacer(1, 70 * mm),
        _p(organization.name, s.cover),
        Spacer(1, 8 * mm),
        _p(_("%(year)d年度 会议记录本") % {"year": year}, s.cover),
        Spacer(1, 20 * mm),
        _p(_("共 %(n)d 次会议") % {"n": len(entries)}, s.subtitle),
        _p(_("生成时间：%(at)s") % {"at": date_text(timezone.now())}, s.subtitle),
        PageBreak(),
        _p(_("目录"), s.title),
    ]
    contents = TableOfContents()
    contents.levelStyles = [s.toc]
    story.append(contents)
    if not entries:
        story.append(_p(_("本年度没有已召开的会议。"), s.body))
    for entry in entries:
        story.append(PageBreak())
        story.extend(meeting_story(entry.record, entry.code, s, photos=None, toc=True))
    target = io.BytesIO()
    doc = _Doc(target, title=title)
    doc.multiBuild(story, canvasmaker=_canvas_class(title, font()))
    return target.getvalue()


def record_book(organization: Organization, year: int) -> bytes:
    """The organization's meeting record book of ``year`` as a PDF: a cover, a table of
    contents, then every meeting held in the year in date order, without photos (the
    caller has checked access)."""
    return _book_pdf(organization, year, book_entries(book_meetings(organization, year)))


class RecordBookExporter(Exporter):
    """The record book's Excel: one row per meeting held in the year."""

    def __init__(self, organization: Organization, year: int, entries: list[BookEntry]):
        self.organization, self.year, self.entries = organization, year, entries
        self.name = _("会议记录本-%(org)s-%(year)d") % {"org": organization.name, "year": year}
        self.title = _("会议记录本")

    def headers(self) -> list[str]:
        return [
            _("召开日期"),
            _("会议类型"),
            _("主题"),
            _("应到"),
            _("实到"),
            _("请假"),
            _("缺席"),
            _("决定事项数"),
            _("会议记录已审定"),
            _("校验码"),
        ]

    def rows(self) -> list[list[Any]]:
        return [
            [
                e.meeting.held_on,
                _label(MeetingKind, e.meeting.kind),
                e.meeting.topic,
                e.counts.entitled,
                e.counts.attended,
                e.counts.leave,
                e.counts.absent,
                len(e.record["decisions"]),
                bool(e.record["minutes"]),
                e.code,
            ]
            for e in self.entries
        ]

    def write(self, workbook: Workbook) -> None:
        sheet = workbook.add_worksheet(str(self.title)[:31])
        bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        for col, header in enumerate(self.headers()):
            sheet.write_string(0, col, header, bold)
            sheet.set_column(col, col, 70 if col == 9 else max(10, len(header) * 2 + 2))
        for r, row in enumerate(self.rows(), start=1):
            write_row(sheet, r, row)
        sheet.freeze_panes(1, 0)


# --- Services: issue the documents, record the codes --------------------------------------------


def issue_bundle(meeting: Meeting, *, actor: Actor) -> bytes:
    """The record bundle for ``actor`` (who may view the meeting), its code kept on the
    meeting and the issue audited. The PDF is built outside the transaction (a second
    of work must not hold SQLite's write lock); its code is that of what it printed."""
    require(actor, VIEW, meeting)
    _require_happened(meeting)
    pdf, code = _meeting_pdf(meeting)
    stamp(meeting, code, actor=actor, via="bundle")
    return pdf


@atomic
def stamp(meeting: Meeting, code: str, *, actor: Actor, via: str) -> None:
    """Keep ``code`` as the meeting's latest printed code and audit the issue (the audit
    records keep the earlier codes: a paper copy printed before a correction is still
    found by ``verify``)."""
    Meeting.objects.filter(pk=meeting.pk).update(bundle_sha256=code, bundle_at=timezone.now())
    meeting.bundle_sha256 = code
    audit.log(
        GENERATED,
        actor=actor,
        target=meeting,
        data={"sha256": code, "short": code[:SHORT_LENGTH], "via": via},
    )


def issue_record_book(organization: Organization, year: int, *, actor: Actor) -> list[BookEntry]:
    """The entries of the record book (PDF or Excel) for ``actor``, who may view the
    organization's meetings; each code printed that differs from the meeting's kept one is
    kept and audited, and the book's issue is audited once."""
    require(actor, VIEW, organization)
    entries = book_entries(book_meetings(organization, year))
    _stamp_book(organization, year, entries, actor=actor)
    return entries


def book_pdf(organization: Organization, year: int, entries: list[BookEntry]) -> bytes:
    return _book_pdf(organization, year, entries)


@atomic
def _stamp_book(
    organization: Organization, year: int, entries: list[BookEntry], *, actor: Actor
) -> None:
    for entry in entries:
        if entry.meeting.bundle_sha256 != entry.code:
            stamp(entry.meeting, entry.code, actor=actor, via="record_book")
    audit.log(
        BOOK_GENERATED,
        actor=actor,
        target=organization,
        data={"year": year, "meetings": len(entries)},
    )


# --- Scoped reads ---------------------------------------------------------------------------------


def meeting_for(user: Visitor, pk: int) -> Meeting | None:
    """A meeting ``user`` may view, or None (missing and forbidden alike)."""
    return Meeting.objects.visible_to(user, VIEW).filter(pk=pk).first()


def organizations_for(user: Visitor) -> QuerySet[Organization]:
    """The organizations whose meetings ``user`` may view (their record books)."""
    return Organization.objects.visible_to(user, VIEW).order_by("tree_path")


CODE_RE = re.compile(r"[0-9a-f]{64}|[0-9a-f]{12}")


def normalized(code: str) -> str | None:
    """The code as typed from paper (spaces, dashes, either case) or None if it is
    neither a full code nor a short one."""
    text = re.sub(r"[\s\-－—_]", "", code or "").lower()
    return text if CODE_RE.fullmatch(text) else None


@dataclass(frozen=True)
class Verification:
    meeting: Meeting
    printed: str  # the code on the paper (full)
    current: str  # the record's code now
    issued_at: datetime | None
    corrections: list[Minutes]  # minutes versions approved since the paper was issued

    @property
    def matches(self) -> bool:
        return self.printed == self.current

    @property
    def printed_short(self) -> str:
        return short_code(self.printed)


def verify(user: Visitor, code: str) -> Verification | None:
    """What a code printed on paper says of the record now, for ``user``: None when no
    meeting they may view was issued with it (not found and not theirs alike). A code is
    the meeting's latest, or one an earlier issue printed (from the audit records)."""
    text = normalized(code)
    if text is None:
        return None
    visible = Meeting.objects.visible_to(user, VIEW)
    if len(text) == 64:
        current_match = visible.filter(bundle_sha256=text)
    else:
        current_match = visible.filter(bundle_sha256__startswith=text)
    meeting = current_match.order_by("-bundle_at").first()
    printed, issued_at = (meeting.bundle_sha256, meeting.bundle_at) if meeting else ("", None)
    if meeting is None:
        from gongzhi.core.models import AuditLog

        key = {"data__sha256": text} if len(text) == 64 else {"data__short": text}
        issues = AuditLog.objects.filter(
            action=GENERATED, target_type=Meeting._meta.label_lower, **key
        ).order_by("-id")
        for issue in issues[:20]:
            meeting = visible.filter(pk=int(issue.target_id)).first()
            if meeting is not None:
                printed, issued_at = issue.data["sha256"], issue.time
                break
    if meeting is None:
        return None
    current = fingerprint(meeting)
    corrections: list[Minutes] = []
    if current != printed:
        later = meeting.minutes.filter(approved_at__isnull=False, number__gt=1)
        if issued_at is not None:
            later = later.filter(approved_at__gt=issued_at)
        corrections = list(later.select_related("author").order_by("number"))
    return Verification(meeting, printed, current, issued_at, corrections)
