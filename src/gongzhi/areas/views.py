import re

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from gongzhi.core.views import ScopedDetailView, ScopedListView, ServiceActionView, ServiceFormView

from . import selectors, services
from .choices import HOUSEHOLD_PARENT_LEVELS, PARENT_LEVEL
from .filters import AreaFilter, HouseholdFilter
from .forms import AreaCreateForm, AreaEditForm, HouseholdEditForm, HouseholdForm
from .models import Area, Household
from .permissions import CHANGE_AREA, CHANGE_HOUSEHOLD, VIEW_AREA, VIEW_HOUSEHOLD
from .tables import AreaTable, HouseholdTable


def residents_context(user, household):
    """The residents module's part of the household page (residents, rentals, links)."""
    from gongzhi.residents.views import household_context

    return household_context(user, household)


class AreaTreeView(ScopedListView):
    """The top of the user's part of the tree; a single root goes straight to its page."""

    model = Area
    permission = VIEW_AREA
    filterset_class = AreaFilter
    table_class = AreaTable
    title = _("区域与网格")
    export_name = "areas"

    def get(self, request, *args, **kwargs):
        roots = list(selectors.top_areas(request.user)[:2])
        if not request.GET and len(roots) == 1:
            return redirect(roots[0].get_absolute_url())
        return super().get(request, *args, **kwargs)


class AreaDetailView(ScopedDetailView):
    model = Area
    permission = VIEW_AREA
    template_name = "areas/area_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, area = self.request.user, self.object
        child_level = next(
            (lvl for lvl, parent in PARENT_LEVEL.items() if parent == area.level), None
        )
        context.update(
            breadcrumbs=selectors.breadcrumbs(user, area),
            children=selectors.children_with_counts(user, area),
            household_total=selectors.subtree_household_count(user, area),
            households=area.households.visible_to(user, VIEW_HOUSEHOLD).order_by("door_number")[
                :200
            ]
            if area.level in HOUSEHOLD_PARENT_LEVELS
            else None,
            level_counts=selectors.level_counts(user, area),
            can_change=user.has_perm(CHANGE_AREA, area),
            can_add_child=child_level is not None and user.has_perm(CHANGE_AREA, area),
            can_add_household=area.level in HOUSEHOLD_PARENT_LEVELS
            and user.has_perm(CHANGE_HOUSEHOLD, area),
        )
        return context


class AreaCreateView(ServiceFormView):
    """Create a child of the area ``pk``."""

    model = Area
    permission = CHANGE_AREA
    title = _("新建下级区域")

    def get_parent(self):
        return self.get_object()

    def get_form(self, data=None, files=None):
        parent = self.get_parent()
        child_level = next((lvl for lvl, p in PARENT_LEVEL.items() if p == parent.level), None)
        form = AreaCreateForm(data, initial={"level": child_level, "code": parent.code})
        form.fields["level"].choices = [
            (child_level, c) for v, c in form.fields["level"].choices if v == child_level
        ]
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["parent"] = self.get_parent()
        return context

    def perform(self, form):
        return services.create_area(
            actor=self.request.user, parent=self.get_parent(), **form.cleaned_data
        )


class AreaEditView(ServiceFormView):
    model = Area
    permission = CHANGE_AREA
    title = _("修改区域")

    def get_form(self, data=None, files=None):
        area = self.get_object()
        return AreaEditForm(data, initial={"name": area.name, "version": area.version})

    def perform(self, form):
        return services.update_area(self.get_object(), actor=self.request.user, **form.cleaned_data)


class AreaDeleteView(ServiceActionView):
    model = Area
    permission = CHANGE_AREA
    success_message = _("已删除。")

    def perform(self, obj):
        services.delete_area(obj, actor=self.request.user)

    def get_success_url(self, obj):
        return obj.parent.get_absolute_url() if obj.parent_id else reverse("areas:tree")


class HouseholdListView(ScopedListView):
    model = Household
    permission = VIEW_HOUSEHOLD
    filterset_class = HouseholdFilter
    table_class = HouseholdTable
    title = _("住户")
    export_name = "households"

    def get_queryset(self):
        return super().get_queryset().order_by("path")


class HouseholdDetailView(ScopedDetailView):
    model = Household
    permission = VIEW_HOUSEHOLD
    template_name = "areas/household_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("area")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = [
            *selectors.breadcrumbs(self.request.user, self.object.area),
            self.object.area,
        ]
        context["can_change"] = self.request.user.has_perm(CHANGE_HOUSEHOLD, self.object)
        context.update(residents_context(self.request.user, self.object))
        return context


class HouseholdCreateView(ServiceFormView):
    """Create a household in the area ``pk``."""

    model = Area
    permission = CHANGE_HOUSEHOLD
    title = _("新建住户")

    def get_form(self, data=None, files=None):
        return HouseholdForm(data, initial={"code": self.get_object().code})

    def perform(self, form):
        return services.create_household(
            actor=self.request.user, area=self.get_object(), **form.cleaned_data
        )


class HouseholdEditView(ServiceFormView):
    model = Household
    permission = CHANGE_HOUSEHOLD
    title = _("修改住户")

    def get_form(self, data=None, files=None):
        h = self.get_object()
        return HouseholdEditForm(
            data,
            initial={
                "door_number": h.door_number,
                "status": h.status,
                "area_m2": h.area_m2,
                "note": h.note,
                "version": h.version,
            },
        )

    def perform(self, form):
        return services.update_household(
            self.get_object(), actor=self.request.user, **form.cleaned_data
        )


class HouseholdDeleteView(ServiceActionView):
    model = Household
    permission = CHANGE_HOUSEHOLD
    success_message = _("已删除。")

    def perform(self, obj):
        services.delete_household(obj, actor=self.request.user)

    def get_success_url(self, obj):
        return obj.area.get_absolute_url()


PERMISSION_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")


class AreaPickView(LoginRequiredMixin, View):
    """The area picker's type-ahead (JSON): the areas of the user's scope (for ``perm``,
    between ``min_level`` and ``max_level``) whose name or code matches ``q``. A
    permission the user does not hold finds nothing."""

    def get(self, request):
        text = request.GET.get("q", "")[:50]
        perm = request.GET.get("perm") or VIEW_AREA
        levels = [request.GET.get(name) or "" for name in ("min_level", "max_level")]
        if not PERMISSION_NAME.match(perm) or not all(
            (v.isascii() and v.isdigit()) or not v for v in levels
        ):
            return JsonResponse(
                {"error": {"code": "invalid", "message": str(_("查找条件不正确。"))}}, status=400
            )
        low, high = (int(v) if v else None for v in levels)
        found = selectors.pick_areas(request.user, text, perm=perm, min_level=low, max_level=high)
        return JsonResponse(
            {
                "results": [
                    {"id": area.pk, "label": label, "level": area.get_level_display()}
                    for area, label in found
                ]
            }
        )
