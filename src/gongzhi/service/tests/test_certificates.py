import io
from datetime import date, timedelta
from decimal import Decimal

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import AuditLog
from gongzhi.core.testing import make_user
from gongzhi.service import certificates
from gongzhi.service.choices import HoursState
from gongzhi.service.ledger_testing import add_hours, make_volunteer
from gongzhi.service.models import Certificate


@pytest.fixture
def volunteer(world):
    v = make_volunteer(world.ours.community, "李志愿", user=world.users["resident"])
    today = timezone.localdate()
    add_hours(v, "6.5", today - timedelta(days=40))
    add_hours(v, "2", today - timedelta(days=5))
    add_hours(v, "9", today - timedelta(days=4), status=HoursState.PENDING)
    return v


def test_staff_issue_counts_period_and_audits(world, volunteer):
    today = timezone.localdate()
    cert = certificates.issue(
        actor=world.users["secretary"],
        volunteer=volunteer,
        period_from=today - timedelta(days=10),
        period_to=today,
    )
    assert cert.hours == Decimal("2") and len(cert.code) == 16 and cert.path == volunteer.path
    assert AuditLog.objects.filter(action="service.certificate.issued").count() == 1
    whole = certificates.issue(actor=world.users["secretary"], volunteer=volunteer, period_to=today)
    assert whole.hours == Decimal("8.5") and whole.code != cert.code


def test_volunteer_requests_own_certificate(world, volunteer):
    cert = certificates.issue(
        actor=world.users["resident"], volunteer=volunteer, period_to=timezone.localdate()
    )
    assert cert.issued_by == world.users["resident"]


def test_others_may_not_issue(world, volunteer):
    stranger = make_user("lj", Role.COMMUNITY_SECRETARY, world.sibling.community)
    for actor in (stranger, world.users["inservice_member"], world.users["grid_worker"]):
        with pytest.raises(NotFoundOrForbidden):
            certificates.issue(actor=actor, volunteer=volunteer, period_to=timezone.localdate())
    assert not Certificate.objects.exists()


def test_bad_periods_refused_together(world, volunteer):
    today = timezone.localdate()
    with pytest.raises(RuleViolations) as caught:
        certificates.issue(
            actor=world.users["secretary"],
            volunteer=volunteer,
            period_from=today + timedelta(days=5),
            period_to=today + timedelta(days=1),
        )
    assert {e.field for e in caught.value.errors} == {"period_to", "period_from"}
    with pytest.raises(RuleViolation, match="没有已核实"):
        certificates.issue(
            actor=world.users["secretary"],
            volunteer=volunteer,
            period_from=date(2020, 1, 1),
            period_to=date(2020, 12, 31),
        )
    assert not Certificate.objects.exists()


def test_pdf_reads_back_with_name_hours_issuer_code(world, volunteer):
    cert = certificates.issue(
        actor=world.users["secretary"], volunteer=volunteer, period_to=timezone.localdate()
    )
    url = f"https://gongzhi.example/service/certificates/verify/{cert.code}/"
    reader = pypdf.PdfReader(io.BytesIO(certificates.pdf(cert, url)))
    text = reader.pages[0].extract_text()
    for expected in ("志愿服务记录证明", "李志愿", "8.50", "和顺社区", cert.code):
        assert expected in text


def test_qr_modules_encode_the_url():
    modules = certificates.qr_modules("https://gongzhi.example/service/certificates/verify/ABC/")
    assert len(modules) == len(modules[0]) >= 25
    assert any(any(row) for row in modules)


def test_verify_page(world, volunteer, client_as):
    cert = certificates.issue(
        actor=world.users["secretary"], volunteer=volunteer, period_to=timezone.localdate()
    )
    stranger = make_user("lj", Role.COMMUNITY_SECRETARY, world.sibling.community)
    client = client_as(stranger)  # anyone signed in who holds the paper
    page = client.get(reverse("service:certificate_verify", args=[cert.code]))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-verify-result="valid"' in html
    assert "李*愿" in html and "李志愿" not in html and "8.50" in html and "和顺社区" in html
    assert "13800138000" not in html
    unknown = client.get(reverse("service:certificate_verify", args=["NOPE2345NOPE2345"]))
    assert 'data-verify-result="unknown"' in unknown.content.decode()
    typed = client.get(reverse("service:certificate_check"), {"code": cert.code.lower()})
    assert typed.status_code == 302 and typed.url.endswith(f"/{cert.code}/")


def test_verify_needs_sign_in(world, volunteer, client):
    cert = certificates.issue(
        actor=world.users["secretary"], volunteer=volunteer, period_to=timezone.localdate()
    )
    page = client.get(reverse("service:certificate_verify", args=[cert.code]))
    assert page.status_code == 302 and "login" in page.url


def test_issue_page_and_pdf_download(world, volunteer, client_as):
    client = client_as(world.users["resident"])
    url = reverse("service:certificate_issue", args=[volunteer.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"period_to": (timezone.localdate() + timedelta(days=3)).isoformat()})
    assert bad.status_code == 400 and not Certificate.objects.exists()
    done = client.post(url, {"period_to": timezone.localdate().isoformat()})
    cert = Certificate.objects.get()
    assert done.status_code == 302 and done.url == reverse("service:mine")
    pdf_url = reverse("service:certificate_pdf", args=[cert.pk])
    assert pdf_url in client.get(done.url).content.decode()
    pdf = client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert cert.code in text
    assert AuditLog.objects.filter(action="service.certificate.downloaded").exists()


def test_pdf_out_of_scope_is_404(world, volunteer, client_as):
    cert = certificates.issue(
        actor=world.users["secretary"], volunteer=volunteer, period_to=timezone.localdate()
    )
    stranger = make_user("lj", Role.COMMUNITY_SECRETARY, world.sibling.community)
    url = reverse("service:certificate_pdf", args=[cert.pk])
    assert client_as(stranger).get(url).status_code == 404
