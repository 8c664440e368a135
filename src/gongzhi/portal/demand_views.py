"""A resident's demands, phone first: submit, my demands, the case, the place's answers.

Every page reads the resident's own rows (``demands.my_demands``/``own_demand``) or a
place they may name (``demands.place``); a refusal lands beside its field, in plain
Chinese, the input kept and nothing written.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView, TemplateView

from gongzhi.areas.models import Area
from gongzhi.attachments.selectors import attachments_of
from gongzhi.core.errors import Conflict, DomainError, NotFoundOrForbidden
from gongzhi.core.views import perform_checked
from gongzhi.demands import services as demand_services
from gongzhi.demands.choices import OPEN_STATUSES, Status
from gongzhi.demands.models import Demand

from . import binding, demands
from .demand_forms import InfoForm, RateForm, ReopenForm, SubmitForm


def put_errors(form, exc: DomainError) -> None:
    """Each problem of a refusal beside its field (all at once); the attachments
    service names its field ``file``: here, the photos."""
    if isinstance(exc, Conflict):
        form.add_error(None, str(exc.message))
        return
    for error in getattr(exc, "errors", [exc]):
        field = "photos" if error.field == "file" else error.field
        if field == "household":
            field = "at_home"
        form.add_error(field if field in form.fields else None, str(error.message))


class PortalView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFoundOrForbidden:
            raise Http404() from None


# --- Submit ------------------------------------------------------------------------------


class DemandNewView(PortalView, TemplateView):
    """反映问题: plain words, the category suggested, photos, the place, "1+1"."""

    template_name = "portal/demand_new.html"
    extra_context = {"title": _("反映问题")}

    def _community(self, user):
        """The community whose places are listed: chosen (``?community=``), else the
        place's posted, the bound household's, or the first one the user may name."""
        found = demands.communities(user)
        chosen = self.request.GET.get("community", "")
        if chosen.isdigit() and (picked := found.filter(pk=int(chosen)).first()):
            return found, picked
        posted = self.request.POST.get("area", "")
        area = demands.place(int(posted), user) if posted.isdigit() else None
        near = area or binding.bound_household(user)
        if near is not None:
            return found, found.filter(path=demands.community_path(near.path)).first()
        return found, found.first()

    def render_form(self, form, status=200):
        user = self.request.user
        found, community = self._community(user)
        cleaned = getattr(form, "cleaned_data", {})
        places = list(demands.places_of(community, user)) if community else []
        for place in places:
            place.grid = demands.grid_path(place.path)  # the grid map narrows the list
        context = self.get_context_data(
            form=form,
            household=binding.bound_household(user),
            communities=found,
            community=community,
            places=places,
            grid_map=demands.grid_map(places) if places else None,
            chosen_category=cleaned.get("category"),
        )
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        household = binding.bound_household(request.user)
        return self.render_form(SubmitForm(initial={"at_home": household is not None}))

    def post(self, request, *args, **kwargs):
        form = SubmitForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            household = binding.bound_household(request.user) if data["at_home"] else None
            area = None if household else demands.place(data["area"], request.user)
            try:
                demand = perform_checked(
                    lambda d: demands.submit(
                        actor=request.user,
                        content=d["content"],
                        area=area,
                        household=household,
                        category=d["category"],
                        suggestion=d["suggestion"],
                        anonymous=d["anonymous"],
                        photos=d["photos"],
                    ),
                    data,
                )
            except NotFoundOrForbidden:
                raise
            except DomainError as exc:
                put_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("portal:demand_receipt", args=[demand.pk]))
        return self.render_form(form, status=400)


class DemandReceiptView(PortalView, TemplateView):
    """The receipt: the demand's number and what happens next, in plain words — the
    requester's alone (it asks them to rate; a co-requester follows the case)."""

    template_name = "portal/demand_receipt.html"
    model = Demand
    extra_context = {"title": _("已收到您的诉求")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        demand = demands.own_demand(self.request.user, kwargs["pk"])
        if not demands.is_requester(demand, self.request.user):
            raise NotFoundOrForbidden()
        context["demand"] = demand
        return context


# --- My demands and the case ------------------------------------------------------------------


class MyDemandsView(PortalView, ListView):
    """我的诉求: raised or joined, newest first, each with its state and deadline."""

    template_name = "portal/demand_list.html"
    paginate_by = 20
    extra_context = {"title": _("我的诉求")}

    def get_queryset(self):
        return demands.my_demands(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for demand in context["object_list"]:
            demand.state = demands.state_words(demand, self.request.user)
            demand.asked = bool(demands.pending_question(demand, self.request.user))
        return context


class DemandDetailView(PortalView, TemplateView):
    """The case: the timeline in plain words, the deadline, the answer, the photos, and
    the resident's actions (rate, add information, ask to reopen)."""

    template_name = "portal/demand_detail.html"
    model = Demand

    def page(self, demand, forms=None, status=200):
        user = self.request.user
        allowed = demands.actions(demand, user)
        forms = forms or {}
        reopen_refusal = demands.reopen_refusal(demand, user)
        context = self.get_context_data(
            title=demand.number,
            demand=demand,
            state=demands.state_words(demand, user),
            steps=demands.timeline(demand),
            question=demands.pending_question(demand, user),
            photos=list(attachments_of(demand)) if demands.is_requester(demand, user) else [],
            rate_form=forms.get("rate")
            or (RateForm(initial={"version": demand.version}) if "rate" in allowed else None),
            info_form=forms.get("add_info") or (InfoForm() if "add_info" in allowed else None),
            reopen_form=forms.get("reopen") or (ReopenForm() if "reopen" in allowed else None),
            # Said when it is too late, not when reopening does not apply at all.
            reopen_refused=reopen_refusal
            if demand.status == Status.RATED and demands.is_requester(demand, user)
            else "",
            place=demands.place_of(demand.area),
            joined=demands.joined_case(demand, user),
            now=timezone.now(),
        )
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        return self.page(demands.own_demand(request.user, kwargs["pk"]))


ACTIONS: dict[str, Any] = {
    "rate": (
        RateForm,
        lambda demand, user, c: demand_services.rate(
            demand, actor=user, version=c["version"], rating=c["rating"], note=c["note"]
        ),
        _("感谢您的评价。"),
    ),
    "add_info": (
        InfoForm,
        lambda demand, user, c: demands.add_info(
            demand, actor=user, note=c["note"], photos=c["photos"]
        ),
        _("已补充，处理人会看到。"),
    ),
    "reopen": (
        ReopenForm,
        lambda demand, user, c: demands.request_reopen(demand, actor=user, reason=c["reason"]),
        _("已申请重办，社区将重新安排。"),
    ),
}


class DemandActionView(DemandDetailView):
    """POST one of the resident's actions; a refusal re-renders the case with the reason
    beside the field and the input kept (400)."""

    http_method_names = ["post"]
    action = ""

    def post(self, request, *args, **kwargs):
        demand = demands.own_demand(request.user, kwargs["pk"])
        form_class, perform, done = ACTIONS[self.action]
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                perform_checked(lambda c: perform(demand, request.user, c), form.cleaned_data)
            except NotFoundOrForbidden:
                raise
            except DomainError as exc:
                put_errors(form, exc)
            else:
                messages.success(request, done)
                return HttpResponseRedirect(demand.get_resident_url())
        demand = demands.own_demand(request.user, kwargs["pk"])  # as it is now
        return self.page(demand, {self.action: form}, status=400)


class MeTooView(PortalView):
    """我也遇到了: join an open case of a place the resident may name."""

    http_method_names = ["post"]
    model = Demand

    def post(self, request, *args, **kwargs):
        demand = demands.case_to_join(kwargs["pk"])
        try:
            perform_checked(lambda d: demands.me_too(d, actor=request.user), demand)
        except NotFoundOrForbidden:
            raise
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已加入，办理进展会通知您。"))
            return HttpResponseRedirect(demand.get_resident_url())
        return HttpResponseRedirect(reverse("portal:demand_place", args=[demand.area_id]))


class PlaceView(PortalView, TemplateView):
    """What others raised at a courtyard or building: the answers to read, and "me too"
    on the open cases (masked: title, answer, date)."""

    template_name = "portal/demand_place.html"
    model = Area

    def get(self, request, *args, **kwargs):
        area = demands.place(kwargs["pk"], request.user)
        if area is None:
            raise Http404()
        rows = demands.place_demands(area, request.user)
        return render(
            request,
            self.template_name,
            {
                "title": area.place_name(),
                "area": area,
                "open_rows": [d for d in rows if d.status in OPEN_STATUSES],
                "answered_rows": [d for d in rows if d.status not in OPEN_STATUSES],
            },
        )
