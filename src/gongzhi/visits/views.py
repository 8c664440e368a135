"""Pages of visit records: the phone-first record form (household picker, the residents
of the chosen household, photos), the list with its filters and export, 我的走访, a
household's visit history, the detail with its photos and follow-ups, and the demand made
from a visit in one step."""

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
)

from . import selectors, services
from .choices import FollowUp
from .filters import VisitFilter
from .forms import DemandFromVisitForm, VisitForm, wish_url
from .models import Visit
from .permissions import CARE, RECORD, VIEW
from .tables import VisitTable


class VisitListView(ScopedListView):
    model = Visit
    permission = VIEW
    # An in-service member holds RECORD only: they see their own visits (owned reach).
    access = (VIEW, RECORD)
    filterset_class = VisitFilter
    table_class = VisitTable
    title = _("走访记录")
    export_name = "visits"
    create_url = reverse_lazy("visits:create")
    create_permission = RECORD

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("household", "resident", "area", "visitor", "member")
            .order_by("-visited_on", "-id")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        household = self.request.GET.get("household", "")
        if household.isascii() and household.isdigit() and self.filterset is not None:
            first = next(iter(context["object_list"]), None)
            if first is not None and first.household_id:
                context["title"] = _("%(h)s的走访记录") % {"h": first.household.place_name()}
        return context


class MyVisitsView(VisitListView):
    """我的走访: the visits the user made."""

    title = _("我的走访")
    export_name = "my-visits"

    def get_base_queryset(self):
        return super().get_base_queryset().filter(visitor=self.request.user)


class VisitDetailView(ScopedDetailView):
    model = Visit
    permission = VIEW
    access = (VIEW, RECORD)
    template_name = "visits/visit_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("household", "resident", "area", "visitor", "member", "demand", "case")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        visit, user = self.object, self.request.user
        may_record = user.has_perm(RECORD, visit)
        wish = wish_url()
        context.update(
            can_demand=may_record and visit.demand_id is None,
            can_case=(
                visit.case_id is None
                and visit.household_id is not None
                and user.has_perm(CARE, visit.household)
            ),
            wish_url=(
                f"{wish}?{urlencode({'visit': visit.pk})}"
                if may_record and visit.wish_id is None
                else ""
            ),
            history_url=(
                f"{reverse('visits:list')}?{urlencode({'household': visit.household_id})}"
                if visit.household_id
                else ""
            ),
            demand_visible=bool(visit.demand_id)
            and user.has_perm("demands.view_demand", visit.demand),
        )
        return context


class VisitCreateView(PermissionRequiredPage, ServiceFormView):
    """登记走访, phone-first: the household (searched by door number or address, or given
    as ``?household=`` by a due-visits list), the person, the day, the kind, what was
    found, photos, and what to do next."""

    model = Visit
    permission = RECORD
    template_name = "visits/visit_form.html"
    title = _("登记走访")
    success_message = _("已登记走访。")

    def get_form(self, data=None, files=None):
        initial: dict[str, Any] = {}
        user = self.request.user
        if household := selectors.visitable_household(user, self.request.GET.get("household")):
            initial["household"] = household.pk
        resident_id = self.request.GET.get("resident", "")
        if resident_id.isascii() and resident_id.isdigit():
            initial["resident"] = resident_id
            if "household" not in initial:
                person = selectors.visitable_resident(user, resident_id)
                if person is not None:
                    initial["household"] = person.household_id
        return VisitForm(data, files, user=user, initial=initial)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["paired"] = (
            list(selectors.paired_households(self.request.user)[:20])
            if selectors.member_of(self.request.user)
            else []
        )
        return context

    def perform(self, form):
        data = dict(form.cleaned_data)
        self.follow_up = data.pop("follow_up", "") or FollowUp.NONE
        return services.record_visit(actor=self.request.user, **data)

    def get_success_url(self, result):
        if self.follow_up == FollowUp.DEMAND:
            return reverse("visits:demand", args=[result.pk])
        if self.follow_up == FollowUp.CASE and self.request.user.has_perm(CARE, result.household):
            return f"{reverse('visits:case_create')}?{urlencode({'visit': result.pk})}"
        if self.follow_up == FollowUp.WISH:
            return f"{wish_url()}?{urlencode({'visit': result.pk})}"
        return result.get_absolute_url()


class HouseholdPickView(PermissionRequiredPage, TemplateView):
    """The households matching what the visitor typed (htmx fragment)."""

    permission = RECORD
    template_name = "visits/visit_households.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:50]
        context.update(query=query, households=selectors.pick_households(self.request.user, query))
        return context


class ResidentOptionsView(PermissionRequiredPage, TemplateView):
    """The options of the person visited, for the household chosen (htmx fragment)."""

    permission = RECORD
    template_name = "visits/visit_residents.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        household = selectors.visitable_household(
            self.request.user, self.request.GET.get("household")
        )
        context["residents"] = list(selectors.household_residents(household))
        return context


class DemandFromVisitView(ServiceFormView):
    """转为诉求: the demand prefilled from the visit, recorded through the demands intake."""

    model = Visit
    permission = RECORD
    template_name = "visits/visit_demand.html"
    title = _("走访转为诉求")
    success_message = _("已转为诉求，进入诉求办理流程。")

    def get_visit(self) -> Visit:
        if not hasattr(self, "_visit"):
            self._visit = selectors.get_visit(self.request.user, self.kwargs["pk"])
            if not self.request.user.has_perm(RECORD, self._visit):
                raise Http404()
        return self._visit

    def get_form(self, data=None, files=None):
        return DemandFromVisitForm(data, initial=services.demand_initial(self.get_visit()))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["visit"] = self.get_visit()
        return context

    def get(self, request, *args, **kwargs):
        visit = self.get_visit()
        if visit.demand_id is not None:
            return HttpResponseRedirect(visit.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def perform(self, form):
        services.demand_from_visit(self.get_visit(), actor=self.request.user, **form.cleaned_data)
        return self.get_visit()

    def get_success_url(self, result):
        return result.get_absolute_url()
