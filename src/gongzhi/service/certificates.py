"""志愿服务记录证明 (民政部令第67号《志愿服务记录与证明出具办法》): who records the hours
certifies them, free of charge. A certificate states the volunteer's name, the period, the
counted hours in it and the issuing community, with a code and a QR code that lead to the
verification page (``/service/certificates/verify/<code>/``), open to anyone signed in:
it shows the masked name, the hours, the period, the issuer and the date, nothing else.

The PDF is drawn with reportlab in the request, in the font of ADR 0013
(``orglife.bundle.font``); the QR code's modules are reportlab rectangles from the
``qrcode`` package's matrix."""

import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import qrcode
from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas

from gongzhi.accounts.models import User
from gongzhi.core import audit, pii
from gongzhi.core.calendar import require_happened
from gongzhi.core.errors import NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.services import atomic, deny
from gongzhi.orglife.bundle import font

from .choices import COUNTED
from .models import Certificate, Hours, Volunteer
from .permissions import CHANGE, VIEW

ISSUED = "service.certificate.issued"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from paper
CODE_LENGTH = 16
HOURS = DecimalField(max_digits=10, decimal_places=2)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def certificates_for(user: User, perm: str = VIEW) -> QuerySet[Certificate]:
    return Certificate.objects.visible_to(user, perm).select_related(
        "volunteer", "volunteer__community"
    )


def get_certificate(user: User, pk: int | str) -> Certificate:
    try:
        return certificates_for(user).get(pk=pk)
    except (Certificate.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def may_issue(actor: User, volunteer: Volunteer) -> bool:
    """Staff who keep the volunteer's records, or the volunteer for themselves."""
    return actor.has_perm(CHANGE, volunteer) or (
        volunteer.user_id is not None and volunteer.user_id == actor.pk
    )


def counted_hours(volunteer: Volunteer, period_from: date | None, period_to: date) -> Decimal:
    lines = Hours.objects.filter(volunteer=volunteer, status__in=COUNTED, served_on__lte=period_to)
    if period_from is not None:
        lines = lines.filter(served_on__gte=period_from)
    total: Decimal = lines.aggregate(
        total=Coalesce(Sum("hours"), Value(Decimal(0)), output_field=HOURS)
    )["total"]
    return total


@atomic
def issue(
    *,
    actor: User,
    volunteer: Volunteer,
    period_to: date,
    period_from: date | None = None,
) -> Certificate:
    """A certificate of the volunteer's counted hours from ``period_from`` (the first line
    when None) to ``period_to``, by staff in scope or by the volunteer themselves."""
    if not actor.has_perm(VIEW, volunteer) or not may_issue(actor, volunteer):
        deny(actor, CHANGE, volunteer)
    problems = Problems()
    with problems.check():
        require_happened(period_to, field="period_to")
    with problems.check():
        if period_from is not None and period_from > period_to:
            raise RuleViolation(_("起始日期不能晚于截止日期。"), field="period_from")
    problems.raise_any()
    hours = counted_hours(volunteer, period_from, period_to)
    if hours <= 0:
        raise RuleViolation(_("该期间没有已核实或已审核的志愿服务时长，无法出具证明。"))
    certificate = Certificate.objects.create(
        volunteer=volunteer,
        path=volunteer.path,
        code=new_code(),
        hours=hours,
        period_from=period_from,
        period_to=period_to,
        issued_by=actor,
    )
    audit.log(ISSUED, actor=actor, target=certificate, data={"hours": str(hours)})
    return certificate


# --- Verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """What the verification page shows of a certificate: nothing more."""

    code: str
    name: str  # masked
    hours: Decimal
    period_from: date | None
    period_to: date
    issuer: str
    issued_at: datetime


def verify(code: str) -> Verified | None:
    """The certificate with ``code`` (any community: the paper is the key), or None."""
    code = (code or "").strip().upper()
    if not code or len(code) > CODE_LENGTH * 2:
        return None
    row = (
        Certificate.objects.filter(code=code)
        .select_related("volunteer", "volunteer__community")
        .first()
    )
    if row is None:
        return None
    return Verified(
        code=row.code,
        name=pii.mask_name(row.volunteer.name),
        hours=row.hours,
        period_from=row.period_from,
        period_to=row.period_to,
        issuer=row.volunteer.community.full_name or row.volunteer.community.name,
        issued_at=row.issued_at,
    )


# --- The PDF ------------------------------------------------------------------------------------


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code of ``text`` as rows of dark (True) and light modules, with its border."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def _draw_qr(c: pdfcanvas.Canvas, text: str, x: float, y: float, size: float) -> None:
    modules = qr_modules(text)
    cell = size / len(modules)
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(modules):
        for k, dark in enumerate(row):
            if dark:
                c.rect(x + k * cell, y + size - (r + 1) * cell, cell, cell, stroke=0, fill=1)


def _period_text(certificate: Certificate) -> str:
    start = certificate.period_from.isoformat() if certificate.period_from else _("首次服务")
    return f"{start} — {certificate.period_to.isoformat()}"


def pdf(certificate: Certificate, verify_url: str) -> bytes:
    """The certificate as a one-page A4 PDF with its QR code leading to ``verify_url``."""
    name = font()
    c = pdfcanvas.Canvas(io.BytesIO(), pagesize=A4)
    c.setTitle(_("志愿服务记录证明"))
    width, height = A4
    volunteer = certificate.volunteer
    issuer = volunteer.community.full_name or volunteer.community.name
    c.setFont(name, 22)
    c.drawCentredString(width / 2, height - 40 * mm, _("志愿服务记录证明"))
    c.setFont(name, 12)
    top = height - 62 * mm
    body = [
        _("兹证明 %(name)s 同志在 %(period)s 期间参加志愿服务，")
        % {"name": volunteer.name, "period": _period_text(certificate)},
        _("经志愿服务记录核实，累计志愿服务时长 %(hours)s 小时。")
        % {"hours": f"{certificate.hours:.2f}"},
        _("特此证明。"),
    ]
    for i, line in enumerate(body):
        c.drawString(25 * mm, top - i * 9 * mm, line)
    c.setFont(name, 10)
    rows = [
        (_("志愿者"), volunteer.name),
        (_("服务期间"), _period_text(certificate)),
        (_("累计时长"), _("%(hours)s 小时") % {"hours": f"{certificate.hours:.2f}"}),
        (_("出具单位"), issuer),
        (_("出具日期"), timezone.localtime(certificate.issued_at).date().isoformat()),
        (_("核验码"), certificate.code),
    ]
    for i, (label, value) in enumerate(rows):
        y = top - 40 * mm - i * 7 * mm
        c.drawString(25 * mm, y, f"{label}：")
        c.drawString(50 * mm, y, value)
    size = 38 * mm
    _draw_qr(c, verify_url, width - 25 * mm - size, top - 40 * mm - 5 * 7 * mm - 4 * mm, size)
    c.setFont(name, 8)
    c.drawString(
        25 * mm,
        30 * mm,
        _("扫描二维码或登录平台访问核验页面，输入核验码核对本证明。本证明免费出具。"),
    )
    c.drawString(25 * mm, 25 * mm, verify_url)
    c.showPage()
    return bytes(c.getpdfdata())


def generated(certificate: Certificate, actor: User) -> None:
    """Record that the PDF was handed out (who downloaded which certificate)."""
    audit.log("service.certificate.downloaded", actor=actor, target=certificate)
