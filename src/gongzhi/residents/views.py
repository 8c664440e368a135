"""Pages of the resident registry, the responsibility map, the grid map and the census
import: thin declarations over residents.selectors and residents.services.

Every view names its ``model`` and ``permission``; objects are fetched through the scope
(404 outside it) and every submission calls exactly one service.
"""

import json

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from gongzhi.areas import selectors as area_selectors
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core.errors import DomainError, NotFoundOrForbidden
from gongzhi.core.views import (
    PermissionRequiredPage,
    RevealMixin,
    ScopedDetailView,
    ScopedListView,
    ScopedMixin,
    ServiceActionView,
    ServiceFormView,
)

from . import forms, selectors, services
from .filters import RentalFilter, ResidentFilter
from .models import CareTag, Rental, Resident, Responsibility
from .permissions import CHANGE, MANAGE_RESPONSIBILITY, MANAGE_TAGS, VIEW, VIEW_SENSITIVE
from .tables import rental_table, resident_table

CHANGE_AREA = "areas.change_area"


def _today():
    return timezone.localdate()


def _heading(text: str) -> dict:
    """What core/form.html shows after the title (``parent.full_name|default:parent.name``)."""
    return {"full_name": text, "name": text}


# --- Residents -------------------------------------------------------------------------------


class ResidentListView(ScopedListView):
    """The registry with the search box; names of children and sensitive tags masked for
    roles without residents.view_sensitive, the ID number and phone always masked, on the
    page and in the export alike (one table)."""

    model = Resident
    permission = VIEW
    filterset_class = ResidentFilter
    title = _("居民")
    export_name = "residents"
    template_name = "residents/resident_list.html"

    def get_table_class(self):
        return resident_table(self.request.user, _today())

    def get_base_queryset(self):
        return selectors.list_queryset(self.request.user, self.permission)

    def get_queryset(self):
        # Always bound: an empty query lists present residents only (ResidentFilter).
        queryset = self.get_base_queryset()
        self.filterset = ResidentFilter(self.request.GET, queryset=queryset, request=self.request)
        return self.filterset.qs if self.filterset.is_valid() else queryset.filter(present=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_import"] = self.request.user.has_perm(CHANGE)
        return context


class FloatingListView(ResidentListView):
    title = _("流动人口")
    export_name = "floating-population"

    def get_base_queryset(self):
        return selectors.floating_for(self.request.user)


class ResidentMixin:
    model = Resident
    permission = VIEW

    def get_queryset(self):
        return selectors.residents_for(self.request.user, self.permission)


class ResidentDetailView(ResidentMixin, ScopedDetailView):
    template_name = "residents/resident_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("household__area", "party_member")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, resident, today = self.request.user, self.object, _today()
        sensitive = user.has_perm(VIEW_SENSITIVE, resident)
        can_change = user.has_perm(CHANGE, resident)
        tags = [
            link
            for link in resident.tag_links.select_related("tag").order_by("tag__sort")
            if sensitive or not link.tag.sensitive
        ]
        available = CareTag.objects.filter(is_active=True).exclude(
            pk__in=[link.tag_id for link in tags]
        )
        if not sensitive:
            available = available.filter(sensitive=False)
        context.update(
            today=today,
            shown_name=selectors.display_name(user, resident, today),
            age=resident.age_on(today),
            moves=resident.moves.select_related("from_household", "to_household", "actor"),
            tag_links=tags,
            tag_form=forms.TagForm(tags=available) if can_change and available else None,
            rentals=resident.rentals.select_related("household"),
            can_change=can_change and resident.present,
            can_view_sensitive=sensitive,
        )
        return context


class ResidentRevealView(RevealMixin, ResidentDetailView):
    permission = VIEW_SENSITIVE
    reveal = staticmethod(services.reveal_id_number)


class ResidentPhotoView(ResidentMixin, ScopedMixin, TemplateView):
    """The photo, streamed to sensitive roles only, audited, never cached."""

    permission = VIEW_SENSITIVE

    def get(self, request, *args, **kwargs):
        resident = self.get_object()
        handle = services.open_photo(resident, actor=request.user)
        head = handle.read(4)
        handle.seek(0)
        response = FileResponse(
            handle, content_type="image/png" if head.startswith(b"\x89PNG") else "image/jpeg"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ResidentRegisterView(ServiceFormView):
    """Register a person in the household ``household_id``."""

    model = Household
    permission = CHANGE
    title = _("登记居民")

    def get_object(self, queryset=None):
        if not hasattr(self, "_household"):
            self._household = area_selectors.get_household(
                self.request.user, self.kwargs["household_id"], CHANGE
            )
        return self._household

    def get_form(self, data=None, files=None):
        return forms.RegisterForm(data, initial={"moved_in_on": _today()})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["parent"] = _heading(self.get_object().address)
        return context

    def perform(self, form):
        data = form.cleaned_data
        return services.register_resident(
            actor=self.request.user,
            household=self.get_object(),
            name=data["name"],
            id_number=data["id_number"],
            on=data.get("moved_in_on") or _today(),
            **{k: v for k, v in form.profile().items() if k != "relation"},
            relation=data["relation"],
        )


class ResidentFormView(ResidentMixin, ServiceFormView):
    permission = CHANGE
    form_class = None

    def get_object(self, queryset=None):
        if not hasattr(self, "_object"):
            self._object = super().get_object(queryset)
        return self._object

    def get_initial(self):
        return {"version": self.get_object().version}

    def get_form_kwargs(self):
        return {}

    def get_form(self, data=None, files=None):
        return self.form_class(data, files, initial=self.get_initial(), **self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        resident = self.get_object()
        context["parent"] = _heading(selectors.display_name(self.request.user, resident))
        return context


class ResidentEditView(ResidentFormView):
    form_class = forms.EditForm
    title = _("修改居民信息")

    def get_initial(self):
        resident = self.get_object()
        initial = {key: getattr(resident, key) for key in forms.ProfileForm.base_fields}
        initial["version"] = resident.version
        return initial

    def perform(self, form):
        return services.update_resident(
            self.get_object(),
            actor=self.request.user,
            version=form.cleaned_data["version"],
            **form.profile(),
        )


class ResidentMoveOutView(ResidentFormView):
    form_class = forms.MoveOutForm
    title = _("迁出")

    def perform(self, form):
        data = form.cleaned_data
        return services.move_out(
            self.get_object(),
            actor=self.request.user,
            version=data["version"],
            on=data["on"],
            note=data["note"],
            died=data["died"],
        )


class ResidentMoveToView(ResidentFormView):
    form_class = forms.MoveToForm
    title = _("户间变动")

    def get_form_kwargs(self):
        return {"households": area_selectors.households_for(self.request.user, CHANGE)}

    def perform(self, form):
        data = form.cleaned_data
        return services.move_to(
            self.get_object(),
            actor=self.request.user,
            version=data["version"],
            household=data["household"],
            on=data["on"],
            relation=data["relation"],
            note=data["note"],
        )


class ResidentPhotoUploadView(ResidentFormView):
    form_class = forms.PhotoForm
    permission = VIEW_SENSITIVE
    title = _("上传电子照片")

    def get_initial(self):
        return {}

    def perform(self, form):
        return services.set_photo(
            self.get_object(), actor=self.request.user, upload=form.cleaned_data["photo"]
        )


class ResidentTagView(ResidentMixin, ServiceActionView):
    """POST ``tag`` (and ``on``, ``note``) to set it, or ``remove`` to take it off."""

    permission = CHANGE

    def perform(self, obj):
        post = self.request.POST
        try:
            tag = CareTag.objects.get(pk=int(post.get("tag", "")))
        except (CareTag.DoesNotExist, ValueError):
            raise DomainError(_("请选择关爱标签。"), field="tag") from None
        if post.get("remove"):
            services.remove_tag(obj, actor=self.request.user, tag=tag)
            return
        form = forms.TagForm(post, tags=CareTag.objects.all())
        if not form.is_valid():
            raise DomainError(_("标注日期不正确。"), field="on")
        services.set_tag(
            obj,
            actor=self.request.user,
            tag=tag,
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"],
        )

    def get_success_url(self, obj):
        return obj.get_absolute_url()


# --- Household contact cards --------------------------------------------------------------------


class ContactCardView(ScopedMixin, TemplateView):
    """联系卡 of one household, printable."""

    model = Household
    permission = VIEW
    template_name = "residents/contact_cards.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        household = area_selectors.get_household(
            self.request.user, self.kwargs["household_id"], VIEW
        )
        card = selectors.contact_card(self.request.user, household)
        card["residents"] = list(card["residents"])
        context.update(cards=[card], title=_("联系卡"), show_name=self._masker())
        return context

    def _masker(self):
        return selectors.name_masker(self.request.user, _today())


class BuildingCardsView(ContactCardView):
    """联系卡 of every household of a building, one card a printed page."""

    model = Area

    def get_context_data(self, **kwargs):
        context = TemplateView.get_context_data(self, **kwargs)
        building = self.get_object()
        if building.level != Level.BUILDING:
            raise Http404()
        context.update(
            cards=selectors.building_cards(self.request.user, building),
            title=_("联系卡"),
            building=building,
            show_name=self._masker(),
        )
        return context


# --- Rentals --------------------------------------------------------------------------------------


class RentalListView(ScopedListView):
    model = Rental
    permission = VIEW
    filterset_class = RentalFilter
    title = _("出租房屋")
    export_name = "rentals"

    def get(self, request, *args, **kwargs):
        self.table_class = rental_table(request.user, _today())
        return super().get(request, *args, **kwargs)

    def get_base_queryset(self):
        return selectors.rentals_for(self.request.user, self.permission)


class RentalFormMixin(ServiceFormView):
    template_name = "core/form.html"
    title = _("出租登记")

    def household(self):
        raise NotImplementedError

    def get_form(self, data=None, files=None):
        tenants = selectors.residents_for(self.request.user, CHANGE).filter(
            household=self.household(), present=True
        )
        return forms.RentalForm(data, initial=self.get_initial(), tenants=tenants)

    def get_initial(self):
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["parent"] = _heading(self.household().address)
        return context

    def get_success_url(self, result):
        return result.household.get_absolute_url()


class RentalCreateView(RentalFormMixin):
    model = Household
    permission = CHANGE

    def household(self):
        if not hasattr(self, "_household"):
            self._household = area_selectors.get_household(
                self.request.user, self.kwargs["household_id"], CHANGE
            )
        return self._household

    def perform(self, form):
        return services.save_rental(
            actor=self.request.user, household=self.household(), **form.cleaned_data
        )


class RentalEditView(RentalFormMixin):
    model = Rental
    permission = CHANGE

    def get_queryset(self):
        return selectors.rentals_for(self.request.user, self.permission)

    def rental(self):
        if not hasattr(self, "_rental"):
            self._rental = self.get_object()
        return self._rental

    def household(self):
        return self.rental().household

    def get_initial(self):
        r = self.rental()
        return {
            "landlord_name": r.landlord_name,
            "landlord_phone": r.landlord_phone,
            "starts_on": r.starts_on,
            "ends_on": r.ends_on,
            "tenants": list(r.tenants.all()),
            "note": r.note,
        }

    def perform(self, form):
        return services.save_rental(
            actor=self.request.user,
            household=self.household(),
            rental=self.rental(),
            **form.cleaned_data,
        )


# --- Care tags (district administration) --------------------------------------------------------


class CareTagListView(PermissionRequiredPage, TemplateView):
    permission = MANAGE_TAGS
    template_name = "residents/care_tags.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("关爱标签"),
            tags=CareTag.objects.all(),
            form=kwargs.get("form") or forms.CareTagForm(),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = forms.CareTagForm(request.POST)
        if form.is_valid():
            tag = None
            if request.POST.get("tag"):
                tag = CareTag.objects.filter(pk=request.POST["tag"]).first()
                if tag is None:
                    raise Http404()
            try:
                services.save_care_tag(
                    actor=request.user,
                    tag=tag,
                    is_active=not request.POST.get("inactive"),
                    **form.cleaned_data,
                )
            except DomainError as exc:
                form.add_error("name", str(exc.message))
            else:
                messages.success(request, _("已保存。"))
                return HttpResponseRedirect(request.path)
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Responsibility map and coverage -----------------------------------------------------------


def _community_of(user, area_id, perm=VIEW) -> Area:
    area = area_selectors.get_area(user, area_id, perm)
    if area.level != Level.COMMUNITY:
        raise NotFoundOrForbidden()
    return area


def _default_area(user, level=Level.COMMUNITY):
    """The first area of ``level`` in the user's scope, for pages opened without one."""
    return Area.objects.visible_to(user, VIEW).filter(level=level).order_by("path").first()


class ResponsibilityMapView(ScopedMixin, TemplateView):
    """结对联系三必有 of one community: links per grid, courtyard and building."""

    model = Area
    permission = VIEW
    template_name = "residents/responsibility_map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        community = self.get_object()
        if community.level != Level.COMMUNITY:
            raise Http404()
        can_manage = user.has_perm(MANAGE_RESPONSIBILITY, community)
        form = kwargs.get("form")
        if can_manage and form is None:
            form = self.make_form()
        context.update(
            title=_("结对联系"),
            community=community,
            rows=selectors.responsibility_map(user, community),
            communities=Area.objects.visible_to(user, VIEW).filter(level=Level.COMMUNITY),
            can_manage=can_manage,
            form=form if can_manage else None,
            gaps=sum(len(r.gaps) for r in selectors.coverage(user, community)),
        )
        return context

    def make_form(self, data=None):
        from gongzhi.party.models import Member

        community = self.get_object()
        user = self.request.user
        return forms.ResponsibilityForm(
            data,
            areas=Area.objects.visible_to(user, MANAGE_RESPONSIBILITY)
            .filter(path__under=community.path)
            .filter(level__in=[Level.COMMUNITY, Level.GRID, Level.ESTATE, Level.BUILDING])
            .order_by("path"),
            members=Member.objects.visible_to(user, "party.view_member").filter(standing="active"),
        )

    def post(self, request, *args, **kwargs):
        community = self.get_object()
        form = self.make_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.set_responsibility(
                    actor=request.user,
                    area=data["area"],
                    duty=data["duty"],
                    name=data["name"],
                    phone=data["phone"],
                    member=data["member"],
                )
            except NotFoundOrForbidden:
                raise Http404() from None
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                messages.success(request, _("已保存。"))
                return HttpResponseRedirect(request.path)
        self.object = community
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ResponsibilityRemoveView(ServiceActionView):
    model = Responsibility
    permission = MANAGE_RESPONSIBILITY
    success_message = _("已移除。")

    def perform(self, obj):
        services.remove_responsibility(obj, actor=self.request.user)

    def get_success_url(self, obj):
        community = "/".join(obj.path.split("/")[:4]) + "/"
        area = Area.objects.filter(path=community).first()
        return reverse("residents:responsibilities", args=[area.pk]) if area else "/"


class ResponsibilityIndexView(ScopedMixin, TemplateView):
    """Opens the first community of the user's scope."""

    model = Area
    permission = VIEW

    def get(self, request, *args, **kwargs):
        community = _default_area(request.user)
        if community is None:
            raise Http404()
        return redirect("residents:responsibilities", community.pk)


class CoverageView(ScopedMixin, TemplateView):
    """Coverage report of the responsibility map for a street or community."""

    model = Area
    permission = VIEW
    template_name = "residents/coverage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        area_id = self.request.GET.get("within", "")
        if area_id:
            within = area_selectors.get_area(user, area_id, VIEW)
        else:
            within = _default_area(user, Level.STREET) or _default_area(user)
        if within is None or within.level not in (Level.STREET, Level.COMMUNITY):
            raise Http404()
        rows = selectors.coverage(user, within)
        context.update(
            title=_("结对联系覆盖情况"),
            within=within,
            rows=rows,
            choices=Area.objects.visible_to(user, VIEW)
            .filter(level__in=[Level.STREET, Level.COMMUNITY])
            .order_by("path"),
            levels=[Level.GRID, Level.ESTATE, Level.BUILDING],
        )
        return context


# --- Grid map -----------------------------------------------------------------------------------


INDICATORS = [
    ("households", _("户数")),
    ("care_households", _("关爱户数")),
    ("coverage_gaps", _("结对联系缺口")),
]


class GridMapView(ScopedMixin, TemplateView):
    """The grids of a community drawn from their polygons (ECharts, no tiles)."""

    model = Area
    permission = VIEW
    template_name = "residents/grid_map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        community_id = self.request.GET.get("community", "")
        community = _community_of(user, community_id) if community_id else _default_area(user)
        if community is None:
            raise Http404()
        indicator = self.request.GET.get("indicator", "households")
        if indicator not in dict(INDICATORS):
            indicator = "households"
        data = selectors.grid_map(user, community)
        context.update(
            title=_("网格地图"),
            community=community,
            communities=Area.objects.visible_to(user, VIEW).filter(level=Level.COMMUNITY),
            indicators=INDICATORS,
            indicator=indicator,
            geojson=data,
            drawn=sum(1 for f in data["features"] if f["geometry"]),
            can_import=user.has_perm(CHANGE_AREA),
        )
        return context


class GridMapDataView(ScopedMixin, TemplateView):
    model = Area
    permission = VIEW

    def get(self, request, *args, **kwargs):
        community = _community_of(request.user, self.kwargs["pk"])
        return JsonResponse(selectors.grid_map(request.user, community))


class GeometryEditView(ServiceFormView):
    """Edit a grid's (or any area's) polygon as GeoJSON text."""

    model = Area
    permission = CHANGE_AREA
    title = _("编辑边界")

    def get_form(self, data=None, files=None):
        area = self.get_object()
        text = json.dumps(area.geometry, ensure_ascii=False, indent=1) if area.geometry else ""
        return forms.GeometryForm(data, initial={"geometry": text, "version": area.version})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["parent"] = self.get_object()
        return context

    def perform(self, form):
        return services.set_grid_geometry(
            self.get_object(),
            actor=self.request.user,
            geometry=form.cleaned_data["geometry"],
            version=form.cleaned_data["version"],
        )


class GeoJSONImportView(PermissionRequiredPage, TemplateView):
    permission = CHANGE_AREA
    template_name = "core/form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("导入网格边界"), form=kwargs.get("form") or forms.GeoJSONImportForm()
        )
        return context

    def post(self, request, *args, **kwargs):
        form = forms.GeoJSONImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                count = services.import_geometries(form.cleaned_data["file"], actor=request.user)
            except NotFoundOrForbidden:
                form.add_error("file", _("有区域不在您的管理范围内。"))
            except DomainError as exc:
                form.add_error("file", str(exc.message))
            else:
                messages.success(request, _("已导入 %(n)d 个区域的边界。") % {"n": count})
                return HttpResponseRedirect(reverse("residents:grid_map"))
        return self.render_to_response(self.get_context_data(form=form), status=400)


def household_context(user, household) -> dict:
    """What the household page shows of this module: its residents (names of children
    masked for roles that may not see them), rentals and the links to register and print."""
    if not user.has_perm(VIEW, household):
        return {"household_residents": None}
    show_name = selectors.name_masker(user, _today())
    residents = [(r, show_name(r)) for r in selectors.household_residents(user, household)]
    return {
        "household_residents": residents,
        "household_rentals": list(selectors.rentals_for(user).filter(household=household)[:20]),
        "can_register": user.has_perm(CHANGE, household),
    }


class HouseholdPickView(LoginRequiredMixin, View):
    """The household picker's type-ahead (JSON): at most ten households of the user's
    scope matching ``q`` (``selectors.households_matching``), under ``within`` when
    given."""

    def get(self, request):
        within_id = request.GET.get("within", "")
        within = None
        if within_id:
            if not (within_id.isascii() and within_id.isdigit() and len(within_id) < 19):
                return JsonResponse(
                    {"error": {"code": "invalid", "message": str(_("查找条件不正确。"))}},
                    status=400,
                )
            try:
                within = area_selectors.get_area(request.user, within_id)
            except NotFoundOrForbidden:
                return JsonResponse({"results": []})
        text = request.GET.get("q", "")[:50]
        found = selectors.households_matching(request.user, text, within).order_by("path")[:10]
        return JsonResponse(
            {"results": [{"id": h.pk, "label": h.place_name(), "level": h.code} for h in found]}
        )
