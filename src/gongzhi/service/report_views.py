"""Pages of 双报到, organ units, pairing, the report-in rates and the coverage report."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core.errors import DomainError, NotFoundOrForbidden
from gongzhi.core.exports import file_response, write_workbook
from gongzhi.core.tables import Column, Table
from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceActionView,
    ServiceFormView,
    perform_checked,
    refused,
)

from . import coverage, pairing, reports
from .choices import ReportState
from .models import OrganUnit, Pair, Report, UnitReport
from .permissions import CHANGE, TAKE_PART, VIEW
from .report_forms import PairForm, ReasonForm, ReportForm, UnitForm, UnitReportForm

# --- Tables -----------------------------------------------------------------------------


class ReportTable(Table):
    columns = (
        Column("member", gettext_lazy("党员"), accessor=lambda r: r.member.name, link=True),
        Column("community", gettext_lazy("报到社区"), accessor=lambda r: r.community.name),
        Column("employer", gettext_lazy("工作单位名称")),
        Column("cadre_level", gettext_lazy("干部层级")),
        Column("capacity", gettext_lazy("可联系户数")),
        Column("status", gettext_lazy("状态")),
        Column("requested_on", gettext_lazy("申请日期"), kind="date"),
        Column("confirm_due", gettext_lazy("下次确认截止"), kind="date"),
    )


class UnitTable(Table):
    columns = (
        Column("name", gettext_lazy("单位名称"), link=True),
        Column("party_org", gettext_lazy("单位党组织")),
        Column("contact", gettext_lazy("联系人")),
        Column("phone", gettext_lazy("联系电话"), accessor="phone_masked"),
        Column("in_district", gettext_lazy("区内单位")),
    )


# --- Members' reports -------------------------------------------------------------------


class ReportListView(ScopedListView):
    model = Report
    permission = VIEW
    table_class = ReportTable
    title = gettext_lazy("在职党员报到")
    export_name = "service-reports"
    create_url = reverse_lazy("service:report_create")
    create_permission = CHANGE

    def get_base_queryset(self):
        qs = super().get_base_queryset().select_related("member", "community")
        status = self.request.GET.get("status")
        if status in ReportState.values:
            qs = qs.filter(status=status)
        if self.request.GET.get("warning") == "due":
            qs = qs.filter(status=ReportState.CONFIRMED, confirm_due__lt=timezone.localdate())
        return qs.order_by("path", "-requested_on", "-pk")


class ReportDetailView(ScopedDetailView):
    model = Report
    permission = VIEW
    access = (VIEW, TAKE_PART)
    template_name = "service/report_detail.html"

    def get_queryset(self):
        return reports.reports_for(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report, user = self.object, self.request.user
        context.update(
            title=_("在职党员报到"),
            actions=reports.REPORT_WORKFLOW.allowed(report, user),
            decline_form=ReasonForm(initial={"version": report.version}),
            pairs=[
                (p, pairing.mask_address(p.household))
                for p in pairing.member_pairs(user, report.member)
            ],
            can_pair=report.status == ReportState.CONFIRMED and user.has_perm(CHANGE, report),
        )
        if context["can_pair"]:
            context["pair_form"] = PairForm(user=user, community=report.community)
        return context


class ReportCreateView(ServiceFormView):
    """Staff enter a member's report."""

    refuses_without_permission = True
    permission = CHANGE
    title = gettext_lazy("登记在职党员报到")
    success_message = gettext_lazy("已登记报到。")

    def get_form(self, data=None, files=None):
        return ReportForm(data, user=self.request.user, staff=True)

    def perform(self, form):
        return reports.enter_report(
            actor=self.request.user, member=form.cleaned_data["member"], entry=form.entry()
        )


class ReportRequestView(ServiceFormView):
    """我的报到: an in-service member's own request."""

    refuses_without_permission = True
    permission = TAKE_PART
    title = gettext_lazy("申请到社区报到")
    success_message = gettext_lazy("已提交报到申请，等待社区确认。")

    def get_form(self, data=None, files=None):
        return ReportForm(data, user=self.request.user, staff=False)

    def perform(self, form):
        return reports.request_report(actor=self.request.user, entry=form.entry())

    def get_success_url(self, result):
        return reverse("service:report_mine")


class ReportMineView(LoginRequiredMixin, TemplateView):
    """我的报到: the member's reports and the households they are paired with."""

    template_name = "service/report_mine.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        member = reports.my_member(user)
        own = list(reports.my_reports(user))
        context.update(
            title=_("我的报到"),
            member=member,
            reports=own,
            can_request=member is not None
            and user.has_perm(TAKE_PART)
            and not any(r.status in reports.LIVE for r in own),
            pairs=[]
            if member is None
            else [
                (p, pairing.mask_address(p.household)) for p in pairing.member_pairs(user, member)
            ],
        )
        return context


class _ReportAction(ServiceActionView):
    model = Report
    permission = CHANGE
    action = ""

    def get_queryset(self):
        return reports.reports_for(self.request.user)

    def get_success_url(self, obj):
        return obj.get_absolute_url()

    def version(self):
        value = self.request.POST.get("version")
        return int(value) if value and value.isdigit() else None


class ReportConfirmView(_ReportAction):
    success_message = gettext_lazy("已确认报到。")

    def perform(self, obj):
        return reports.confirm_report(obj, actor=self.request.user, version=self.version())


class ReportReconfirmView(_ReportAction):
    success_message = gettext_lazy("已复核确认，下次确认截止日期已更新。")

    def perform(self, obj):
        return reports.reconfirm_report(obj, actor=self.request.user, version=self.version())


class ReportEndView(_ReportAction):
    success_message = gettext_lazy("已结束报到。")

    def perform(self, obj):
        return reports.end_report(
            obj,
            actor=self.request.user,
            version=self.version(),
            reason=self.request.POST.get("reason", ""),
        )


class ReportDeclineView(_ReportAction):
    success_message = gettext_lazy("已退回报到申请。")

    def perform(self, obj):
        return reports.decline_report(
            obj,
            actor=self.request.user,
            reason=self.request.POST.get("reason", ""),
            version=self.version(),
        )


reports.REPORT_WORKFLOW.routes(pages=["confirm", "decline", "reconfirm", "end"])


# --- Pairs ------------------------------------------------------------------------------


class PairCreateView(_ReportAction):
    """Pair the report's member with a household (from the report's page)."""

    success_message = gettext_lazy("已结对。")

    def perform(self, obj):
        form = PairForm(self.request.POST, user=self.request.user, community=obj.community)
        if not form.is_valid():
            raise DomainError(_("请选择联系户和户类型。"))
        return pairing.pair(
            actor=self.request.user,
            member=obj.member,
            household=form.cleaned_data["household"],
            kind=form.cleaned_data["kind"],
        )


class PairEndView(ServiceActionView):
    model = Pair
    permission = CHANGE
    success_message = gettext_lazy("已结束结对。")

    def get_queryset(self):
        return pairing.pairs_for(self.request.user, CHANGE)

    def perform(self, obj):
        return pairing.end_pair(obj, actor=self.request.user)

    def get_success_url(self, obj):
        report = reports.reports_for(self.request.user).filter(member=obj.member).first()
        return report.get_absolute_url() if report else reverse("service:report_list")


# --- Organ units and their reports ------------------------------------------------------


class UnitListView(ScopedListView):
    model = OrganUnit
    permission = VIEW
    table_class = UnitTable
    title = gettext_lazy("报到单位")
    export_name = "service-units"
    create_url = reverse_lazy("service:unit_create")
    create_permission = CHANGE


class UnitDetailView(ScopedDetailView):
    model = OrganUnit
    permission = VIEW
    template_name = "service/unit_detail.html"

    def get_queryset(self):
        return reports.known_units(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = reports.unit_reports_for(user).filter(unit=self.object).order_by("community__path")
        context.update(
            title=self.object.name,
            unit_reports=[(r, reports.UNIT_WORKFLOW.allowed(r, user)) for r in rows],
            can_change=user.has_perm(CHANGE, self.object),
        )
        return context


class UnitCreateView(ServiceFormView):
    refuses_without_permission = True
    permission = CHANGE
    title = gettext_lazy("登记报到单位")

    def get_form(self, data=None, files=None):
        return UnitForm(data, user=self.request.user)

    def perform(self, form):
        return reports.save_unit(actor=self.request.user, **form.cleaned_data)


class UnitEditView(ServiceFormView):
    model = OrganUnit
    refuses_without_permission = True
    permission = CHANGE
    title = gettext_lazy("修改报到单位")

    def get_form(self, data=None, files=None):
        unit = self.get_object()
        initial = {
            f: getattr(unit, f)
            for f in ("area", "name", "party_org", "contact", "phone", "in_district")
        }
        return UnitForm(data, user=self.request.user, initial=initial)

    def perform(self, form):
        return reports.save_unit(
            actor=self.request.user, unit=self.get_object(), **form.cleaned_data
        )


class UnitReportCreateView(ServiceFormView):
    refuses_without_permission = True
    permission = CHANGE
    title = gettext_lazy("登记单位报到")

    def get_form(self, data=None, files=None):
        return UnitReportForm(data, user=self.request.user)

    def perform(self, form):
        return reports.request_unit_report(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("service:unit_report_list")


class UnitReportListView(PermissionRequiredPage, TemplateView):
    permission = VIEW
    template_name = "service/unit_reports.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = reports.unit_reports_for(user).order_by("path", "unit__name")
        context.update(
            title=_("单位报到"),
            rows=[(r, reports.UNIT_WORKFLOW.allowed(r, user)) for r in rows],
            can_create=user.has_perm(CHANGE),
        )
        return context


class _UnitReportAction(ServiceActionView):
    model = UnitReport
    permission = CHANGE

    def get_queryset(self):
        return reports.unit_reports_for(self.request.user)

    def get_success_url(self, obj):
        return reverse("service:unit_report_list")


class UnitReportConfirmView(_UnitReportAction):
    success_message = gettext_lazy("已确认单位报到。")

    def perform(self, obj):
        return reports.confirm_unit_report(obj, actor=self.request.user)


class UnitReportDeclineView(_UnitReportAction):
    success_message = gettext_lazy("已退回单位报到。")

    def perform(self, obj):
        return reports.decline_unit_report(
            obj, actor=self.request.user, reason=self.request.POST.get("reason", "")
        )


class UnitReportReconfirmView(_UnitReportAction):
    success_message = gettext_lazy("已复核确认单位报到。")

    def perform(self, obj):
        return reports.reconfirm_unit_report(obj, actor=self.request.user)


class UnitReportEndView(_UnitReportAction):
    success_message = gettext_lazy("已结束单位报到。")

    def perform(self, obj):
        return reports.end_unit_report(obj, actor=self.request.user)


reports.UNIT_WORKFLOW.routes(pages=["confirm", "decline", "reconfirm", "end"])


# --- Rates and coverage -----------------------------------------------------------------


def _place(request, levels) -> Area | None:
    """The area chosen in ``?area=`` among those the user sees, else their first."""
    choices = reports.areas_at(request.user, levels)
    chosen = request.GET.get("area") or request.POST.get("community")
    if chosen and chosen.isdigit():
        return choices.filter(pk=chosen).first()
    return choices.first()


class RatesView(PermissionRequiredPage, TemplateView):
    """Report-in rates of a street: per community and per unit, with Excel."""

    permission = VIEW
    template_name = "service/report_rates.html"

    def get(self, request, *args, **kwargs):
        area = _place(request, [Level.DISTRICT, Level.STREET, Level.COMMUNITY])
        by_community = reports.community_rates(request.user, area) if area else []
        by_unit = reports.unit_rates(request.user, area) if area else []
        if request.GET.get("export") == "xlsx":
            headers = [
                _("社区/单位"),
                _("已确认报到"),
                _("应报到"),
                _("户籍登记"),
                _("报到率（%）"),
            ]
            rows = [
                [r.name, r.confirmed, r.known, r.registered, r.percent]
                for r in by_community + by_unit
            ]
            return file_response(
                "service-report-rates",
                lambda target: write_workbook(target, str(_("报到率")), headers, rows),
            )
        context = self.get_context_data(
            title=_("报到率"),
            area=area,
            areas=reports.areas_at(request.user, [Level.DISTRICT, Level.STREET, Level.COMMUNITY]),
            by_community=by_community,
            by_unit=by_unit,
        )
        return self.render_to_response(context)


class CoverageView(PermissionRequiredPage, TemplateView):
    """The pairing coverage report of a community (gaps, candidates, one-click assign), or
    of a street (each community's gaps counted)."""

    permission = VIEW
    template_name = "service/coverage.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        area = _place(self.request, [Level.STREET, Level.COMMUNITY])
        context.update(
            title=_("结对联系覆盖"),
            area=area,
            areas=reports.areas_at(user, [Level.STREET, Level.COMMUNITY]),
        )
        if area is not None and area.level == Level.COMMUNITY:
            context["gaps"] = coverage.coverage(user, area)
            context["can_assign"] = user.has_perm(CHANGE, area)
        elif area is not None:
            context["summaries"] = coverage.street_coverage(user, area)
        return context


class CoverageAssignView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        data = request.POST
        try:
            community = coverage.community_for(request.user, data.get("community", ""), CHANGE)
        except NotFoundOrForbidden:
            raise Http404() from None
        back = f"{reverse('service:coverage')}?area={community.pk}"
        # The button pressed names the gap and the candidate: "kind:target:candidate".
        kind, _sep, rest = data.get("pick", "").partition(":")
        target, _sep, candidate = rest.partition(":")
        try:
            perform_checked(
                lambda _d: coverage.assign(
                    actor=request.user,
                    community=community,
                    kind=kind,
                    target=int(target or 0),
                    candidate=int(candidate or 0),
                ),
                data,
            )
        except NotFoundOrForbidden:
            raise Http404() from None
        except (DomainError, ValueError) as exc:
            return refused(request, getattr(exc, "message", _("输入不正确。")), back)
        messages.success(request, _("已落实。"))
        return HttpResponseRedirect(back)
