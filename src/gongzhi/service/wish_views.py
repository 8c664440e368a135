"""Pages of micro-wishes: the staff list and needs list (with Excel), publishing (also
from a visit), the detail with the workflow's buttons, the phone-first wall where members
claim, and one form per step (claim for a unit, fulfil with a photo, confirm, cancel)."""

from typing import Any

import django_filters
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from gongzhi.core import pii
from gongzhi.core.errors import DomainError, NotFoundOrForbidden
from gongzhi.core.filters import FilterSet
from gongzhi.core.tables import Column, Table
from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    perform_checked,
    refuse_unless,
    refused,
)
from gongzhi.visits import permissions as visit_perms

from . import wishes
from .choices import WishSource, WishState
from .models import Wish
from .permissions import CHANGE, TAKE_PART, VIEW
from .wish_forms import (
    CancelForm,
    ClaimUnitForm,
    ConfirmForm,
    FulfilForm,
    VersionForm,
    WishCreateForm,
)

ACTION_LABELS = {
    "claim": _("我来认领"),
    "claim_unit": _("代单位认领"),
    "fulfil": _("登记完成"),
    "confirm": _("确认心愿"),
    "cancel": _("撤销心愿"),
}
BUTTONS = {"claim"}  # taken by one button; the others open a form


class WishFilter(FilterSet):
    q = django_filters.CharFilter(label=_("心愿"), field_name="title", lookup_expr="contains")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=WishState.choices)
    source = django_filters.ChoiceFilter(label=_("来源"), choices=WishSource.choices)

    class Meta:
        model = Wish
        fields: list[str] = []


def _claimer(wish: Wish) -> str:
    return wishes.claimer_name(wish)


class WishTable(Table):
    columns = (
        Column("published_on", _("发布日期"), kind="date"),
        Column("title", _("心愿"), link=True),
        Column("wisher", _("心愿人"), accessor=lambda w: pii.mask_name(w.wisher)),
        Column("community", _("所在社区"), accessor=lambda w: w.community.name),
        Column("source", _("来源")),
        Column("budget", _("预计价值（元）"), kind="money"),
        Column("status", _("状态")),
        Column("claimer", _("认领人"), accessor=_claimer),
        Column("satisfaction", _("满意度")),
    )


class NeedsTable(Table):
    """The open needs as units read them (resources matching)."""

    columns = (
        Column("source", _("来源")),
        Column("title", _("心愿"), link=True),
        Column("detail", _("详细说明")),
        Column("community", _("所在社区"), accessor=lambda w: w.community.name),
        Column("place", _("位置"), accessor=wishes.place_of),
        Column("budget", _("预计价值（元）"), kind="money"),
        Column("published_on", _("发布日期"), kind="date"),
    )


class WishListView(ScopedListView):
    model = Wish
    permission = VIEW
    filterset_class = WishFilter
    table_class = WishTable
    title = _("微心愿")
    export_name = "service-wishes"
    create_url = reverse_lazy("service:wish_create")
    create_permission = CHANGE

    def get_base_queryset(self):
        return wishes.wishes_for(self.request.user)


class WishNeedsView(ScopedListView):
    """需求清单: the open wishes of the user's communities, by source, with Excel."""

    model = Wish
    permission = VIEW
    table_class = NeedsTable
    title = _("需求清单")
    export_name = "service-needs"
    template_name = "service/wish_needs.html"

    def get_base_queryset(self):
        return wishes.needs_rows(self.request.user).select_related(
            "household__area__parent__parent__parent"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = wishes.needs_summary(self.request.user)
        return context


class WishCreateView(PermissionRequiredPage, ServiceFormView):
    """Publish a wish; ``?visit=<id>``: from a visit, by whoever may record it (the grid
    worker or the paired member who made it, or staff), prefilled from it, its place and
    source fixed, and the visit linked to the wish on save."""

    model = Wish
    permission = CHANGE
    title = _("发布微心愿")
    success_message = _("微心愿已发布。")

    def dispatch(self, request, *args, **kwargs):
        if request.GET.get("visit") or request.POST.get("visit"):
            self.permission = visit_perms.RECORD
        return super().dispatch(request, *args, **kwargs)

    def get_visit(self):
        key = self.request.GET.get("visit") or self.request.POST.get("visit")
        if not key:
            return None
        if not hasattr(self, "_visit"):
            try:
                self._visit = wishes.visit_for_wish(self.request.user, key)
            except NotFoundOrForbidden:
                raise Http404() from None
        return self._visit

    def get_form(self, data=None, files=None):
        visit = self.get_visit()
        initial: dict[str, Any] = {}
        if visit is not None:
            resident = visit.resident
            initial = {
                "wisher": resident.name if resident is not None else "",
                "detail": visit.found,
            }
        return WishCreateForm(data, user=self.request.user, visit=visit, initial=initial)

    def perform(self, form):
        visit = self.get_visit()
        if visit is None:
            return wishes.publish_wish(actor=self.request.user, **form.cleaned_data)
        resident = visit.resident
        return wishes.publish_wish(
            actor=self.request.user,
            community=wishes.community_of(visit.area),
            household=visit.household or (resident.household if resident else None),
            source=WishSource.VISIT,
            visit=visit,
            **form.cleaned_data,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visit = self.get_visit()
        if visit is not None:
            context["title"] = _("由走访记录发布微心愿（%(d)s）") % {"d": visit.visited_on}
        return context


class WishDetailView(ScopedDetailView):
    model = Wish
    permission = VIEW
    access = (VIEW, TAKE_PART)  # a member opens the wishes they claimed (owned reach)
    template_name = "service/wish_detail.html"

    def get_queryset(self):
        return wishes.wishes_for(self.request.user).select_related("confirmed_by", "published_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        wish = self.object
        context.update(actions=_actions(wish, self.request.user), claimer=wishes.claimer_name(wish))
        return context


def _actions(wish: Wish, user) -> list[dict[str, Any]]:
    return [
        {
            "action": action,
            "label": ACTION_LABELS[action],
            "url": reverse(f"service:wish_{action}", args=[wish.pk]),
            "button": action in BUTTONS,
        }
        for action in wishes.WORKFLOW.allowed(wish, user)
    ]


WALL_PAGE = 30  # open wishes a page of the wall
WALL_DONE = 20  # the latest claimed and fulfilled wishes shown below them


class WishWallView(LoginRequiredMixin, TemplateView):
    """心愿墙 (phone-first): the open wishes of the user's communities with masked names
    and no address beyond the building; the claimed and fulfilled with their claimer; the
    member's own claims and the resident's wishes to confirm."""

    template_name = "service/wish_wall.html"

    def dispatch(self, request, *args, **kwargs):
        refuse_unless(request, (TAKE_PART, VIEW))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        wall = wishes.wall_rows(user).order_by("-published_on", "-id")
        # Every open wish, a page at a time (the claimable ones come first, never cut
        # off by a cap); the latest claimed and fulfilled ones below them.
        page = Paginator(wall.filter(status=WishState.OPEN), WALL_PAGE).get_page(
            self.request.GET.get("page")
        )

        def card(w):
            return {
                "wish": w,
                "wisher": pii.mask_name(w.wisher),
                "place": wishes.place_of(w),
                "claimer": wishes.claimer_name(w),
                "can_claim": "claim" in wishes.WORKFLOW.allowed(w, user),
            }

        context.update(
            title=_("心愿墙"),
            page_obj=page,
            paginator=page.paginator,
            open_cards=[card(w) for w in page],
            done_cards=[card(w) for w in wall.exclude(status=WishState.OPEN)[:WALL_DONE]],
            mine=list(wishes.claimed_by_me(user)[:50]),
            to_confirm=list(wishes.to_confirm_by_me(user)[:20]),
            is_member=wishes.member_of(user) is not None,
        )
        return context


class WishStepView(ServiceFormView):
    """A form about one wish fetched through the actor's relation to it (else 404)."""

    model = Wish
    template_name = "service/wish_form.html"
    action = ""
    form_class: type = VersionForm

    def get_wish(self) -> Wish:
        if not hasattr(self, "_wish"):
            self._wish = wishes.wish_for_action(self.request.user, self.kwargs["pk"])
        return self._wish

    def get_object(self, queryset=None):
        return self.get_wish()

    def get_form(self, data=None, files=None):
        return self.form_class(data, files, initial={"version": self.get_wish().version})

    def get_success_url(self, result):
        # Staff go back to the wish's page; a member or a resident to the wall.
        if self.request.user.has_perm(VIEW):
            return result.get_absolute_url()
        return reverse("service:wish_wall")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["wish"] = self.get_wish()
        context["place"] = wishes.place_of(self.get_wish())
        context.setdefault("title", ACTION_LABELS.get(self.action, ""))
        return context


class WishClaimUnitView(WishStepView):
    action = "claim_unit"
    title = _("代单位认领心愿")
    success_message = _("已代单位认领。")

    def get_form(self, data=None, files=None):
        return ClaimUnitForm(
            data, wish=self.get_wish(), initial={"version": self.get_wish().version}
        )

    def perform(self, form):
        return wishes.claim_wish_for_unit(
            self.get_wish(),
            actor=self.request.user,
            unit=form.cleaned_data["unit"],
            version=form.cleaned_data["version"],
        )


class WishFulfilView(WishStepView):
    action = "fulfil"
    title = _("登记心愿完成")
    success_message = _("已登记完成，等待心愿户确认。")
    form_class = FulfilForm

    def perform(self, form):
        return wishes.fulfil_wish(
            self.get_wish(),
            actor=self.request.user,
            photo=form.cleaned_data["photo"],
            note=form.cleaned_data["note"],
            hours=form.cleaned_data["hours"],
            version=form.cleaned_data["version"],
        )


class WishConfirmView(WishStepView):
    action = "confirm"
    title = _("确认心愿已实现")
    success_message = _("已确认，感谢评价。")
    form_class = ConfirmForm

    def perform(self, form):
        return wishes.confirm_wish(
            self.get_wish(),
            actor=self.request.user,
            satisfaction=form.cleaned_data["satisfaction"],
            version=form.cleaned_data["version"],
        )


class WishCancelView(WishStepView):
    action = "cancel"
    title = _("撤销心愿")
    success_message = _("心愿已撤销。")
    form_class = CancelForm

    def perform(self, form):
        return wishes.cancel_wish(
            self.get_wish(),
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )


class WishClaimView(LoginRequiredMixin, TemplateView):
    """A member claims a wish of the wall by one button (POST with the version)."""

    model = Wish
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        wall = reverse("service:wish_wall")
        try:
            wish = wishes.wall_wish(request.user, kwargs["pk"])
        except NotFoundOrForbidden:
            raise Http404() from None
        form = VersionForm(request.POST)
        version = form.cleaned_data["version"] if form.is_valid() else None
        try:
            perform_checked(
                lambda w: wishes.claim_wish(w, actor=request.user, version=version), wish
            )
        except NotFoundOrForbidden:
            raise Http404() from None
        except DomainError as exc:
            return refused(request, exc.message, wall)
        messages.success(request, _("认领成功，完成后请上传照片登记。"))
        return HttpResponseRedirect(reverse("service:wish_fulfil", args=[wish.pk]))


# The pages of the wish's transitions (checked against the workflow: core.workflow).
wishes.WORKFLOW.routes(
    pages={
        "claim": WishClaimView,
        "claim_unit": WishClaimUnitView,
        "fulfil": WishFulfilView,
        "confirm": WishConfirmView,
        "cancel": WishCancelView,
    }
)
