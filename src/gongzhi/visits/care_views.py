"""Pages of the care list (五必访): the list with its filters and export, a household's
page with its tier, event and recent visits, the forms that put a household on the list,
change its tier, take it off and record a major event, and the households the care tags
suggest."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.areas.filters import UnderAreaFilter
from gongzhi.core.filters import FilterSet
from gongzhi.core.tables import Column, Table
from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceActionView,
    ServiceFormView,
)

from . import care, compliance
from .care_forms import AreaForm, CareAddForm, CareEditForm, CareEndForm, EventForm
from .choices import CareReason, CareTier
from .models import CareHousehold
from .permissions import CARE, RECORD, VIEW


class CareFilter(FilterSet):
    area = UnderAreaFilter(label=_("区域"))
    tier = django_filters.ChoiceFilter(label=_("关爱等级"), choices=CareTier.choices)
    reason = django_filters.ChoiceFilter(label=_("必访类型"), choices=CareReason.choices)
    is_active = django_filters.BooleanFilter(label=_("在册"))

    class Meta:
        model = CareHousehold
        fields: list[str] = []


class CareTable(Table):
    columns = (
        Column("household", _("关爱户"), "household.address", link=True),
        Column("tier", _("关爱等级")),
        Column("reason", _("必访类型")),
        Column("note", _("情况说明")),
        Column("since", _("纳入日期"), kind="date"),
        Column("event_at", _("重大事件时间"), kind="datetime"),
        Column("is_active", _("在册")),
    )


class CareListView(ScopedListView):
    model = CareHousehold
    permission = VIEW
    filterset_class = CareFilter
    table_class = CareTable
    title = _("关爱户")
    export_name = "visits-care"
    create_url = reverse_lazy("visits:care_create")
    create_permission = CARE

    def get_base_queryset(self) -> QuerySet:
        return care.cares_for(self.request.user).order_by("-is_active", "path")


class CareDetailView(ScopedDetailView):
    model = CareHousehold
    permission = VIEW
    template_name = "visits/care_detail.html"

    def get_queryset(self) -> QuerySet:
        return care.cares_for(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        entry = self.object
        user = self.request.user
        today = timezone.localdate()
        context.update(
            tags=care.household_tags(user, [entry.household_id]).get(entry.household_id, []),
            visits=care.recent_visits(user, entry.household_id),
            may_change=user.has_perm(CARE, entry) and entry.is_active,
            may_record=user.has_perm(RECORD, entry) and entry.is_active,
            row=care.row_of(user, entry, today) if entry.is_active else None,
            high_risk=entry.tier == CareTier.HIGH_RISK,
            end_form=CareEndForm(initial={"version": entry.version}),
        )
        if context["may_record"]:
            context["record_url"] = compliance.visit_url(entry.household_id)
        return context


class CareCreateView(ServiceFormView):
    """Put a household on the list: ``?household=<id>`` (from the suggestions) preselects
    it and the reason its care tags suggest."""

    model = CareHousehold
    permission = CARE
    title = _("纳入关爱名单")

    def get_form(self, data: Any = None, files: Any = None) -> CareAddForm:
        initial: dict[str, Any] = {"since": timezone.localdate(), "tier": CareTier.NORMAL}
        household = self.request.GET.get("household")
        if household:
            initial["household"] = household
            suggested = care.suggested_reason(self.request.user, household)
            if suggested:
                initial["reason"] = suggested
        return CareAddForm(data, initial=initial, user=self.request.user)

    def perform(self, form: Any) -> CareHousehold:
        data = form.cleaned_data
        return care.add_care(
            actor=self.request.user,
            household=data["household"],
            tier=data["tier"],
            reason=data["reason"],
            note=data["note"],
            since=data["since"],
        )


class CareObjectForm(ServiceFormView):
    model = CareHousehold
    permission = CARE

    def get_object(self) -> CareHousehold:
        if not hasattr(self, "_object"):
            self._object = care.get_care(self.request.user, self.kwargs["pk"], CARE)
        return self._object

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["parent"] = {"name": self.get_object().household.address}
        return context


class CareEditView(CareObjectForm):
    title = _("修改关爱等级")

    def get_form(self, data: Any = None, files: Any = None) -> CareEditForm:
        entry = self.get_object()
        initial = {
            "tier": entry.tier,
            "reason": entry.reason,
            "note": entry.note,
            "version": entry.version,
        }
        return CareEditForm(data, initial=initial)

    def perform(self, form: Any) -> CareHousehold:
        data = form.cleaned_data
        return care.update_care(
            self.get_object(),
            actor=self.request.user,
            version=data["version"],
            tier=data["tier"],
            reason=data["reason"],
            note=data["note"],
        )


class CareEventView(CareObjectForm):
    title = _("登记重大事件")
    success_message = _("已登记重大事件，已通知网格员在时限内走访。")

    def get_form(self, data: Any = None, files: Any = None) -> EventForm:
        initial = {
            "version": self.get_object().version,
            "event_at": timezone.localtime().replace(second=0, microsecond=0),
        }
        return EventForm(data, initial=initial)

    def perform(self, form: Any) -> CareHousehold:
        data = form.cleaned_data
        return care.record_event(
            self.get_object(),
            actor=self.request.user,
            version=data["version"],
            event_at=data["event_at"],
            event_note=data["event_note"],
        )


class CareEndView(ServiceActionView):
    model = CareHousehold
    permission = CARE
    success_message = _("已移出关爱名单。")

    def get_queryset(self) -> QuerySet:
        return care.cares_for(self.request.user, CARE)

    def perform(self, obj: CareHousehold) -> object:
        form = CareEndForm(self.request.POST)
        version = int(form.data.get("version") or 0) or None
        return care.end_care(
            obj, actor=self.request.user, version=version, note=form.data.get("note", "")
        )

    def get_success_url(self, obj: CareHousehold) -> str:
        return obj.get_absolute_url()


class SuggestionView(PermissionRequiredPage, TemplateView):
    """Households whose residents carry care tags and are not on the list yet."""

    permission = CARE
    template_name = "visits/care_suggestions.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = AreaForm(request.GET or None, user=request.user)
        within = None
        if form.is_bound:
            if not form.is_valid():
                return self.render_to_response({"form": form, "rows": []}, status=400)
            within = form.cleaned_data["area"]
        create = reverse("visits:care_create")
        rows = [
            (s, f"{create}?household={s.household.pk}")
            for s in care.suggestions(request.user, within)
        ]
        return self.render_to_response({"form": form, "rows": rows})
