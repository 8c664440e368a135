from collections import defaultdict
from datetime import date

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
)
from gongzhi.party.choices import BRANCH_TYPES
from gongzhi.party.models import Member, Organization

from . import selectors, services
from .exports import LedgerExporter
from .forms import (
    DeclareForm,
    LedgerForm,
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
    """A branch's monthly ledger: who owes what, who paid, totals; Excel in the hand-in layout."""

    permission = VIEW_DUES
    template_name = "dues/ledger.html"

    def get(self, request, *args, **kwargs):
        today = timezone.localdate()
        branches = _branches(request.user)
        form = LedgerForm(
            request.GET or None,
            organizations=branches,
            initial={"month": today.replace(day=1), "organization": branches.first()},
        )
        context = {"form": form, "title": _("党费台账")}
        if form.is_bound and form.is_valid():
            organization = form.cleaned_data["organization"]
            month = form.cleaned_data["month"].replace(day=1)
            rows, totals = selectors.branch_ledger(request.user, organization, month)
            rows = list(rows)
            if request.GET.get("export") == "xlsx":
                payments = defaultdict(list)
                for payment in selectors.payments_for(request.user).filter(
                    organization=organization, month=month
                ):
                    payments[payment.member_id].append(payment)
                exporter = LedgerExporter(organization, month, rows, totals, payments)
                return exporter.respond(request, target=organization, month=f"{month:%Y-%m}")
            context.update(
                organization=organization,
                month=month,
                rows=rows,
                totals=totals,
                can_manage=request.user.has_perm(MANAGE_DUES, organization),
            )
        return self.render_to_response(context)


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
    form_class = PaymentForm
    title = _("登记党费缴纳")

    def perform(self, form):
        return services.record_payment(
            self.get_object(), actor=self.request.user, **form.cleaned_data
        )


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
            request, _("已生成%(m)s应缴党费%(n)d条。") % {"m": f"{month:%Y-%m}", "n": charged}
        )
        return HttpResponseRedirect(reverse("dues:ledger"))
