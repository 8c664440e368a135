from collections import defaultdict
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.core.display import month_text
from gongzhi.core.errors import RuleViolation
from gongzhi.core.forms import scope_fields
from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    perform_checked,
    safe_next,
)
from gongzhi.party.choices import BRANCH_TYPES
from gongzhi.party.models import Member, Organization

from . import selectors, services
from .exports import LedgerExporter
from .forms import (
    DeclareForm,
    LedgerForm,
    MonthField,
    PayManyForm,
    PaymentForm,
    ReductionForm,
    RunMonthForm,
    SpecialPaymentForm,
)
from .models import DuesAccount
from .permissions import APPROVE_REDUCTION, MANAGE_DUES, VIEW_DUES
from .tables import ArrearsTable, MemberDeclarationTable


def _branches(user):
    return (
        Organization.objects.visible_to(user, VIEW_DUES)
        .filter(org_type__in=BRANCH_TYPES)
        .order_by("tree_path")
    )


class LedgerView(PermissionRequiredPage, TemplateView):
    """A branch's monthly ledger: who owes what, who paid, totals; Excel in the hand-in
    layout. Opened without a choice, the user's first branch this month, at once."""

    permission = VIEW_DUES
    template_name = "dues/ledger.html"

    def get(self, request, *args, **kwargs):
        branches = _branches(request.user)
        data = request.GET or None
        if data is None and (first := branches.first()) is not None:
            data = {"organization": first.pk, "month": f"{timezone.localdate():%Y-%m}"}
        form = LedgerForm(data, organizations=branches)
        context = {"form": form, "title": _("党费台账")}
        if form.is_bound and form.is_valid():
            organization = form.cleaned_data["organization"]
            month = form.cleaned_data["month"].replace(day=1)
            if request.GET.get("export") == "xlsx":
                rows, totals = selectors.branch_ledger(request.user, organization, month)
                payments = defaultdict(list)
                for payment in selectors.payments_for(request.user).filter(
                    organization=organization, month=month
                ):
                    payments[payment.member_id].append(payment)
                exporter = LedgerExporter(organization, month, list(rows), totals, payments)
                return exporter.respond(request, target=organization, month=f"{month:%Y-%m}")
            context.update(ledger_context(request, organization, month))
        return self.render_to_response(context)


def ledger_context(request, organization, month, pay_form=None):
    """A branch's month on the ledger page; with the form for paying ticked members."""
    rows, totals = selectors.branch_ledger(request.user, organization, month)
    can_manage = request.user.has_perm(MANAGE_DUES, organization)
    if pay_form is None and can_manage:
        pay_form = PayManyForm(
            initial={
                "organization": organization.pk,
                "month": month,
                "paid_on": timezone.localdate(),
                "receiver": request.user.get_full_name(),
            }
        )
    return {
        "organization": organization,
        "month": month,
        "rows": list(rows),
        "totals": totals,
        "can_manage": can_manage,
        "pay_form": pay_form,
        # The rows ticked before a refused batch stay ticked.
        "ticked": set(pay_form.data.getlist("members")) if pay_form and pay_form.is_bound else (),
        "ledger_url": ledger_url(organization, month),
    }


def ledger_url(organization, month):
    query = urlencode({"organization": organization.pk, "month": f"{month:%Y-%m}"})
    return f"{reverse('dues:ledger')}?{query}"


class PayManyView(PermissionRequiredPage, TemplateView):
    """Several members of a branch pay the month's dues at once (the ledger's ticked
    rows): all recorded or none, every refusal listed on the ledger with the input kept."""

    permission = MANAGE_DUES
    template_name = "dues/ledger.html"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PayManyForm(request.POST)
        scope_fields(form, request.user)
        if form.is_valid():
            data = form.cleaned_data
            organization, month = data["organization"], data["month"].replace(day=1)
            try:
                payments = perform_checked(
                    lambda d: services.pay_outstanding(
                        list(d["members"]),
                        actor=request.user,
                        month=month,
                        paid_on=d["paid_on"],
                        method=d["method"],
                        receiver=d["receiver"],
                        note=d["note"],
                    ),
                    data,
                )
            except RuleViolation as exc:
                for error in getattr(exc, "errors", [exc]):
                    form.add_error(
                        error.field if error.field in form.fields else None, str(error.message)
                    )
            else:
                messages.success(request, _("已登记%(n)d名党员的党费。") % {"n": len(payments)})
                return HttpResponseRedirect(ledger_url(organization, month))
        organization = form.cleaned_data.get("organization")
        month = form.cleaned_data.get("month")
        branches = _branches(request.user)
        context = {"title": _("党费台账"), "pay_form": form}
        if organization is None or month is None:
            # No ledger of the user's to show again (a branch out of scope, a bad month).
            context["form"] = LedgerForm(organizations=branches)
            return self.render_to_response(context, status=400)
        month = month.replace(day=1)
        context["form"] = LedgerForm(
            {"organization": organization.pk, "month": f"{month:%Y-%m}"}, organizations=branches
        )
        context.update(ledger_context(request, organization, month, form))
        return self.render_to_response(context, status=400)


class MemberDuesView(ScopedDetailView):
    model = Member
    permission = VIEW_DUES
    template_name = "dues/member.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member, user = self.object, self.request.user
        context.update(
            profiles=member.dues_profiles.order_by("-effective_month"),
            reductions=member.dues_reductions.order_by("-start_month"),
            charges=member.dues_charges.order_by("-month")[:24],
            payments=member.dues_payments.order_by("-paid_on", "-id")[:50],
            account=DuesAccount.objects.filter(member=member).first(),
            can_manage=user.has_perm(MANAGE_DUES, member),
            can_approve=user.has_perm(APPROVE_REDUCTION, member),
        )
        return context


class _MemberForm(ServiceFormView):
    model = Member
    permission = MANAGE_DUES
    form_class = None

    def get_form(self, data=None, files=None):
        today = timezone.localdate()
        return self.form_class(
            data,
            initial={
                "month": today.replace(day=1),
                "paid_on": today,
                "declared_on": today,
                "effective_month": today.replace(day=1),
            },
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["parent"] = self.get_object()
        return context

    def get_success_url(self, result):
        return reverse("dues:member", args=[self.get_object().pk])


class DeclareView(_MemberForm):
    form_class = DeclareForm
    title = _("申报党费计缴基数")

    def perform(self, form):
        return services.declare(self.get_object(), actor=self.request.user, **form.cleaned_data)


class PaymentView(_MemberForm):
    """A payment for a month: opened from the ledger (``?month=2026-11&next=…``), that
    month and what it still owes are filled in, and saving returns to the ledger."""

    form_class = PaymentForm
    title = _("登记党费缴纳")

    def get_form(self, data=None, files=None):
        form = super().get_form(data, files)
        try:
            month = MonthField(required=False).clean(self.request.GET.get("month", ""))
        except ValidationError:
            month = None
        if month is not None:
            month = month.replace(day=1)
            form.initial["month"] = month
            charge = (
                selectors.charges_for(self.request.user)
                .filter(member=self.get_object(), month=month)
                .first()
            )
            if charge is not None and charge.outstanding > 0:
                form.initial["amount"] = charge.outstanding
        return form

    def perform(self, form):
        return services.record_payment(
            self.get_object(), actor=self.request.user, **form.cleaned_data
        )

    def get_success_url(self, result):
        return safe_next(self.request) or super().get_success_url(result)


class SpecialPaymentView(_MemberForm):
    form_class = SpecialPaymentForm
    title = _("登记特殊党费")

    def perform(self, form):
        return services.record_special_payment(
            self.get_object(), actor=self.request.user, **form.cleaned_data
        )


class ReductionView(_MemberForm):
    form_class = ReductionForm
    permission = APPROVE_REDUCTION
    title = _("登记党费减免")

    def perform(self, form):
        return services.grant_reduction(
            self.get_object(), actor=self.request.user, **form.cleaned_data
        )


class ArrearsView(ScopedListView):
    model = DuesAccount
    permission = VIEW_DUES
    table_class = ArrearsTable
    title = _("党费欠缴（连续3个月以上提醒，6个月以上警示）")
    export_name = "dues-arrears"

    def get_base_queryset(self):
        return selectors.arrears(self.request.user, timezone.localdate())


class UndeclaredView(ScopedListView):
    model = Member
    permission = VIEW_DUES
    table_class = MemberDeclarationTable
    title = _("未申报或待年度核定计缴基数的党员")
    export_name = "dues-undeclared"

    def get_base_queryset(self):
        today = timezone.localdate()
        due = selectors.redeclaration_due(self.request.user, today)
        return (
            due.order_by("path", "name")
            if due.exists()
            else selectors.undeclared(self.request.user, today.replace(day=1)).order_by(
                "path", "name"
            )
        )


class SummaryView(PermissionRequiredPage, TemplateView):
    permission = VIEW_DUES
    template_name = "dues/summary.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        try:
            year = int(self.request.GET.get("year") or today.year)
            month = int(self.request.GET.get("month") or 0) or None
        except ValueError:
            year, month = today.year, None
        if month is not None and not 1 <= month <= 12:
            month = None
        user = self.request.user
        from gongzhi.areas.choices import Level

        context.update(
            title=_("党费汇总"),
            year=year,
            month=month,
            months=range(1, 13),
            streets=selectors.summary_by_area(user, Level.STREET, year=year, month=month),
            communities=selectors.summary_by_area(user, Level.COMMUNITY, year=year, month=month),
            branches=selectors.summary_by_organization(user, year=year, month=month),
        )
        return context


class RunMonthView(PermissionRequiredPage, TemplateView):
    """Compute the month's dues for every member in the user's part of the tree."""

    permission = MANAGE_DUES
    template_name = "core/form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", RunMonthForm(initial={"month": timezone.localdate().replace(day=1)})
        )
        context["title"] = _("生成月度应缴党费")
        return context

    def post(self, request, *args, **kwargs):
        form = RunMonthForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        month: date = form.cleaned_data["month"]
        charged = services.run_month_in_scope(month, actor=request.user)["charged"]
        messages.success(
            request, _("已生成%(m)s应缴党费%(n)d条。") % {"m": month_text(month), "n": charged}
        )
        return HttpResponseRedirect(reverse("dues:ledger"))
