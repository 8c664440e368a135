"""Pages of the yearly plans and the compliance calendar."""

import html
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from gongzhi.accounts.roles import Role
from gongzhi.core.errors import DomainError, NotFoundOrForbidden, RuleViolation
from gongzhi.core.exports import Exporter, write_row
from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ServiceActionView,
    perform_checked,
    refused,
)

from . import compliance, plans
from .choices import MeetingState
from .models import Plan
from .permissions import CHANGE, VIEW
from .plan_forms import CalendarForm, GenerateAllForm, PlanGenerateForm, ThemeDayForm

# The colour of each state of the calendar (Bootstrap's table classes).
CELL_CLASS = {
    compliance.DONE: "table-success",
    compliance.OVERDUE: "table-danger",
    compliance.DUE: "table-warning",
    compliance.NOT_REQUIRED: "",
}
PLANNERS = {Role.STREET_ADMIN, Role.DISTRICT_ADMIN}
PLANS_PER_PAGE = 100


def meeting_list_url() -> str | None:
    """The meeting list the calendar drills down to (the meetings pages' own route)."""
    try:
        return reverse("orglife:meeting_list")
    except NoReverseMatch:
        return None


def calendar_choice(request: HttpRequest) -> tuple[CalendarForm, int, Any]:
    """The calendar form of the request, its year (this year by default) and root."""
    form = CalendarForm(request.GET or None, user=request.user)
    year, root = timezone.localdate().year, None
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"] or year
        root = form.cleaned_data["organization"] or form.cleaned_data["area"]
    return form, year, root


def may_generate_all(user: Any) -> bool:
    return bool(user.is_superuser or user.roles & PLANNERS) and user.has_perm(CHANGE)


class ComplianceExporter(Exporter):
    """The calendar as a sheet: one row per organization, a column per month (the
    state's word), the counts as numbers; the months' totals at the bottom."""

    name = "orglife-compliance"
    title = _("组织生活日历")

    def __init__(self, result: compliance.Matrix) -> None:
        self.result = result

    def write(self, workbook: Any) -> None:
        sheet = workbook.add_worksheet(str(self.title))
        bold = workbook.add_format({"bold": True, "border": 1})
        headers = [
            str(_("党组织")),
            str(_("类型")),
            *(str(_("%(month)d月") % {"month": m}) for m in compliance.MONTHS),
            str(_("应开会议")),
            str(_("已开会议")),
            str(_("逾期月数")),
        ]
        write_row(sheet, 0, [str(_("%(year)d年组织生活日历") % {"year": self.result.year})], bold)
        write_row(sheet, 1, headers, bold)
        sheet.set_column(0, 0, 32)
        r = 2
        for row in self.result.rows:
            org = row.organization
            write_row(
                sheet,
                r,
                [
                    org.name,
                    org.get_org_type_display(),
                    *(cell.label for cell in row.cells),
                    row.required,
                    row.held,
                    row.overdue,
                ],
            )
            r += 1
        write_row(
            sheet,
            r,
            [
                str(_("逾期组织数")),
                "",
                *(total.overdue for total in self.result.months),
                self.result.required,
                self.result.held,
                self.result.overdue,
            ],
            bold,
        )
        sheet.freeze_panes(2, 1)


def cells_html(row: compliance.Row, link: str, labels: dict[str, str], words: Any) -> SafeString:
    """A row's twelve cells as HTML, written here rather than by the template engine (a
    street's calendar has 3,600 cells): every text escaped, colours from CSS classes.
    ``labels`` are the states' escaped words, ``words`` the tooltips' (looked up once)."""
    href = html.escape(link)
    parts = []
    for cell in row.cells:
        label = labels[cell.state]
        inner = (
            f'<a href="{href}&amp;month={cell.month}">{label}</a>'
            if href and cell.required
            else label
        )
        parts.append(
            f'<td class="text-center small {CELL_CLASS[cell.state]}" data-state="{cell.state}"'
            f' title="{html.escape(cell.title_in(words))}">{inner}</td>'
        )
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


class ComplianceView(PermissionRequiredPage, TemplateView):
    """The compliance calendar: organizations × months of a year, red where a required
    meeting is overdue; a cell opens the meetings of that organization and month."""

    permission = VIEW
    template_name = "orglife/compliance.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form, year, root = calendar_choice(request)
        if form.is_bound and not form.is_valid():
            return self.render_to_response({"form": form, "year": year}, status=400)
        result = compliance.matrix(request.user, root, year)
        if request.GET.get("export") == "xlsx":
            return ComplianceExporter(result).respond(request, target=root, year=year)
        base = meeting_list_url()
        labels = {
            state: html.escape(str(label)) for state, label in compliance.STATE_LABELS.items()
        }
        words = compliance.words()
        rows = []
        for row in result.rows:
            link = (
                f"{base}?{compliance.meeting_list_query(row.organization.pk, year)}" if base else ""
            )
            rows.append({"row": row, "link": link, "cells": cells_html(row, link, labels, words)})
        query = request.GET.copy()
        query.pop("export", None)
        return self.render_to_response(
            {
                "form": form,
                "year": year,
                "root": root,
                "matrix": result,
                "rows": rows,
                "months": list(compliance.MONTHS),
                "export_query": urlencode({**query.dict(), "export": "xlsx"}),
                "states": [
                    (CELL_CLASS[s], compliance.STATE_LABELS[s])
                    for s in (
                        compliance.OVERDUE,
                        compliance.DUE,
                        compliance.DONE,
                        compliance.NOT_REQUIRED,
                    )
                ],
            }
        )


class PlanListView(PermissionRequiredPage, TemplateView):
    """The organizations of a subtree with their plan of the year: generated or not, its
    meetings held and overdue; generate one, or (street and district) all of them."""

    permission = VIEW
    template_name = "orglife/plan_list.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form, year, root = calendar_choice(request)
        context: dict[str, Any] = {"form": form, "year": year}
        if form.is_bound and not form.is_valid():
            return self.render_to_response(context, status=400)
        page = Paginator(compliance.organizations(request.user, root), PLANS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            page_obj=page,
            paginator=page.paginator,
            querystring=query.urlencode(),
            rows=compliance.plan_rows(request.user, list(page.object_list), year),
            can_change=request.user.has_perm(CHANGE),
        )
        if may_generate_all(request.user):
            context["generate_all_form"] = GenerateAllForm(
                initial={"year": year, "area": getattr(root, "pk", None)}, user=request.user
            )
        return self.render_to_response(context)


class PlanGenerateView(PermissionRequiredPage, View):
    """POST: generate (or complete) one organization's plan of a year."""

    permission = CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        back = reverse("orglife:plan_list")
        form = PlanGenerateForm(request.POST, user=request.user)
        if not form.is_valid():
            return refused(request, _form_errors(form), back)
        data = form.cleaned_data
        try:
            plan = perform_checked(
                lambda d: plans.generate_plan(
                    request.user, d["organization"], d["year"], d["theme_day"]
                ),
                data,
            )
        except NotFoundOrForbidden:
            raise
        except DomainError as exc:
            return refused(request, exc.message, back)
        messages.success(request, _("年度计划已生成。"))
        return HttpResponseRedirect(plan.get_absolute_url())


class GenerateAllView(PermissionRequiredPage, View):
    """POST: every plan of a year in an area, generated in the background."""

    permission = CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        back = reverse("orglife:plan_list")
        if not may_generate_all(request.user):
            return refused(request, _("只有街道、区级管理员可以批量生成年度计划。"), back)
        form = GenerateAllForm(request.POST, user=request.user)
        if not form.is_valid():
            return refused(request, _form_errors(form), back)
        year, area = form.cleaned_data["year"], form.cleaned_data["area"]
        try:
            plans.start_generate_all(request.user, year, area)
        except NotFoundOrForbidden:
            raise
        except DomainError as exc:
            return refused(request, exc.message, back)
        messages.success(
            request,
            _("已开始在后台生成%(area)s %(year)d 年的全部年度计划，稍后刷新本页查看。")
            % {"area": area.name, "year": year},
        )
        return HttpResponseRedirect(f"{back}?{urlencode({'year': year, 'area': area.pk})}")


def _form_errors(form: Any) -> str:
    return "；".join(
        f"{form.fields[name].label if name in form.fields else ''}：{error}"
        if name != "__all__"
        else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


class PlanDetailView(ScopedDetailView):
    """One organization's plan: each slot with its state, dates (moved ones with their
    original date) and the secretary's lectures against the rule."""

    model = Plan
    permission = VIEW
    template_name = "orglife/plan_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = self.object
        today = timezone.localdate()
        meetings = list(compliance.plan_meetings(plan))
        base = meeting_list_url()
        context.update(
            title=_("%(org)s %(year)d 年度组织生活计划")
            % {"org": plan.organization.name, "year": plan.year},
            meetings=[
                {
                    "meeting": m,
                    "css": CELL_CLASS[_meeting_state(m, today)],
                    "state": compliance.STATE_LABELS[_meeting_state(m, today)],
                    "moved": m.original_on and m.original_on != m.planned_on,
                }
                for m in meetings
            ],
            lectures=compliance.secretary_lectures(plan),
            can_change=self.request.user.has_perm(CHANGE, plan),
            theme_form=ThemeDayForm(initial={"theme_day": plan.theme_day, "version": plan.version}),
            meetings_link=(
                f"{base}?{compliance.meeting_list_query(plan.organization_id, plan.year)}"
                if base
                else ""
            ),
            today=today,
        )
        return context


def _meeting_state(meeting: Any, today: Any) -> str:
    if meeting.state == MeetingState.CANCELLED:
        return compliance.NOT_REQUIRED
    held = 1 if meeting.state in (MeetingState.HELD, MeetingState.CLOSED) else 0
    return compliance.cell_state(1, held, meeting.due_on, today)


class ThemeDayView(ServiceActionView):
    """POST: change the plan's theme day; its 主题党日 not yet notified move with it."""

    model = Plan
    permission = CHANGE
    success_message = _("主题党日固定日已修改，尚未通知的主题党日已改期。")

    def perform(self, obj: Plan) -> object:
        form = ThemeDayForm(self.request.POST)
        if not form.is_valid():
            raise RuleViolation(_form_errors(form), field="theme_day")
        return plans.set_theme_day(
            obj,
            form.cleaned_data["theme_day"],
            actor=self.request.user,
            version=form.cleaned_data["version"],
        )

    def get_success_url(self, obj: Plan) -> str:
        return obj.get_absolute_url()
