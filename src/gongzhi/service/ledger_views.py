"""Pages of the hours ledger: 我的志愿服务 (own, phone-first), a volunteer's ledger for
staff, the community summary with its Excel, the shortfalls of the warning; certificates
(issue, PDF) and their verification page."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.core.errors import DomainError, NotFoundOrForbidden
from gongzhi.core.exports import ListExporter
from gongzhi.core.views import PermissionRequiredPage, perform_checked, refuse_unless
from gongzhi.party.choices import Category

from . import certificates, ledger, rules, volunteers
from .permissions import CHANGE, TAKE_PART, VIEW
from .volunteer_forms import CertificateForm


def year_of(request) -> int:
    """The year asked for (``?year=``), else this year."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year + 1 else today.year


def years(current: int) -> list[int]:
    this = timezone.localdate().year
    return sorted({*range(this - 4, this + 1), current}, reverse=True)


def ledger_context(book: ledger.Ledger) -> dict:
    return {"ledger": book, "year": book.year, "years": years(book.year)}


class MineView(LoginRequiredMixin, TemplateView):
    """我的志愿服务: the signed-in volunteer's own ledger (member or resident)."""

    template_name = "service/ledger_mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        volunteer = volunteers.of_user(user)
        context.update(title=_("我的志愿服务"), volunteer=volunteer)
        if volunteer is not None:
            context.update(ledger_context(ledger.ledger(user, volunteer, year_of(self.request))))
            context["certificates"] = list(volunteer.certificates.order_by("-issued_at")[:10])
        else:
            member = volunteers.own_member(user)
            context.update(
                in_service=member is not None and member.category == Category.IN_SERVICE,
                required=rules.yearly_required(timezone.localdate().year),
                can_join=volunteers.may_register_self(user),
            )
        return context


class VolunteerLedgerView(PermissionRequiredPage, TemplateView):
    """A volunteer's ledger for the staff who keep it (404 outside their scope)."""

    permission = VIEW
    template_name = "service/ledger_volunteer.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        try:
            volunteer = volunteers.get_volunteer(user, self.kwargs["volunteer_id"])
        except NotFoundOrForbidden:
            raise Http404() from None
        book = ledger.ledger(user, volunteer, year_of(self.request))
        context.update(
            title=_("志愿服务时长台账"),
            volunteer=volunteer,
            can_change=user.has_perm(CHANGE, volunteer),
            **ledger_context(book),
        )
        return context


SUMMARY_HEADERS = [
    _("姓名"),
    _("类别"),
    _("本年时长（小时）"),
    _("应达时长（小时）"),
    _("尚缺（小时）"),
]


class SummaryView(PermissionRequiredPage, TemplateView):
    """A community's volunteers with this year's counted hours; in-service members below
    the requirement first and in red; the Excel of the same rows."""

    permission = VIEW
    template_name = "service/ledger_summary.html"

    def community(self):
        communities = ledger.communities_for(self.request.user)
        pk = self.request.GET.get("community")
        if pk:
            found = communities.filter(pk=pk).first() if str(pk).isdigit() else None
            if found is None:
                raise Http404()
            return found, communities
        return communities.first(), communities

    def get(self, request, *args, **kwargs):
        community, communities = self.community()
        year = year_of(request)
        rows = ledger.community_summary(request.user, community, year) if community else []
        if community is not None and request.GET.get("export") == "xlsx":
            data = [
                [
                    r.volunteer.name,
                    _("在职党员") if r.required is not None else _("居民志愿者"),
                    r.hours,
                    r.required if r.required is not None else "",
                    r.missing if r.required is not None else "",
                ]
                for r in rows
            ]
            title = _("%(c)s%(y)d年志愿服务时长") % {"c": community.name, "y": year}
            exporter = ListExporter(f"volunteer-hours-{year}", title, SUMMARY_HEADERS, data)
            return exporter.respond(request, target=community, year=year)
        context = self.get_context_data(
            title=_("志愿服务时长汇总"),
            community=community,
            communities=communities,
            year=year,
            years=years(year),
            rows=rows,
            required=rules.yearly_required(year),
        )
        return self.render_to_response(context)


class ShortfallView(PermissionRequiredPage, TemplateView):
    """The warning's page: in-service members below the yearly hours, from the third
    quarter on."""

    permission = VIEW
    template_name = "service/ledger_shortfalls.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        required = rules.yearly_required(today.year)
        context.update(
            title=_("志愿服务时长不足"),
            rows=list(ledger.shortfalls(self.request.user, today)[:500]),
            warned=rules.hours_warned(today),
            required=required,
            year=today.year,
        )
        return context


# --- Certificates -------------------------------------------------------------------------------


class CertificateIssueView(LoginRequiredMixin, TemplateView):
    """Issue a certificate: staff for a volunteer in scope, or the volunteer for themselves."""

    template_name = "service/certificate_form.html"

    def volunteer(self):
        refuse_unless(self.request, (VIEW, TAKE_PART))
        try:
            v = volunteers.get_volunteer(self.request.user, self.kwargs["volunteer_id"])
        except NotFoundOrForbidden:
            raise Http404() from None
        if not certificates.may_issue(self.request.user, v):
            raise Http404()
        return v

    def page(self, volunteer, form, status=200):
        context = self.get_context_data(
            title=_("出具志愿服务记录证明"), volunteer=volunteer, form=form
        )
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        return self.page(self.volunteer(), CertificateForm())

    def post(self, request, *args, **kwargs):
        volunteer = self.volunteer()
        form = CertificateForm(request.POST)
        if form.is_valid():
            try:
                cert = perform_checked(
                    lambda d: certificates.issue(actor=request.user, volunteer=volunteer, **d),
                    form.cleaned_data,
                )
            except NotFoundOrForbidden:
                raise Http404() from None
            except DomainError as exc:
                for error in getattr(exc, "errors", [exc]):
                    field = error.field if error.field in form.fields else None
                    form.add_error(field, str(error.message))
            else:
                messages.success(
                    request, _("已出具证明（核验码 %(code)s），可下载PDF。") % {"code": cert.code}
                )
                own = volunteer.user_id == request.user.pk
                return HttpResponseRedirect(
                    reverse("service:mine") if own else volunteer.get_absolute_url()
                )
        return self.page(volunteer, form, status=400)


class CertificatePdfView(LoginRequiredMixin, TemplateView):
    """The certificate's PDF, for staff in scope and the volunteer themselves."""

    def get(self, request, *args, **kwargs):
        refuse_unless(request, (VIEW, TAKE_PART))
        try:
            cert = certificates.get_certificate(request.user, kwargs["certificate_id"])
        except NotFoundOrForbidden:
            raise Http404() from None
        url = request.build_absolute_uri(reverse("service:certificate_verify", args=[cert.code]))
        content = certificates.pdf(cert, url)
        certificates.generated(cert, request.user)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="certificate-{cert.code}.pdf"'
        return response


class VerifyView(LoginRequiredMixin, TemplateView):
    """Anyone signed in who holds the paper: the masked name, hours, period, issuer and
    date of the certificate with the code, or that no certificate has it."""

    template_name = "service/certificate_verify.html"

    def get(self, request, *args, **kwargs):
        code = kwargs.get("code") or request.GET.get("code", "")
        if code and "code" not in kwargs:
            return HttpResponseRedirect(
                reverse("service:certificate_verify", args=[code.strip().upper()[:40]])
            )
        result = certificates.verify(code) if code else None
        context = self.get_context_data(
            title=_("志愿服务证明核验"), code=code, checked=bool(code), result=result
        )
        return self.render_to_response(context)
