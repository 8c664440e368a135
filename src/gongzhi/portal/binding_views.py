"""Household binding pages: the resident's request and its state (portal layout), and
the staff's list and decision (staff layout). Every row is read through the scope."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from gongzhi.areas.models import Area
from gongzhi.core.errors import DomainError, NotFoundOrForbidden
from gongzhi.core.pii import mask_phone
from gongzhi.core.views import PermissionRequiredPage, perform_checked
from gongzhi.residents.selectors import display_name

from . import binding
from .binding_forms import BindingRequestForm, ConfirmForm, DeclineForm
from .choices import BindingStatus
from .models import BindingRequest
from .permissions import DECIDE_BINDING, VIEW_BINDING
from .signin import is_resident_account


def _add_errors(form, exc: DomainError) -> None:
    for error in getattr(exc, "errors", [exc]):
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error.message))


# --- The resident's side ---------------------------------------------------------------------


class BindView(LoginRequiredMixin, TemplateView):
    """绑定住户: the state of the resident's request, or the form to make one."""

    template_name = "portal/bind.html"
    login_url = reverse_lazy("portal:login")

    def _community(self, raw: str | None) -> Area | None:
        if not raw or not raw.isdigit():
            return None
        return binding.communities().filter(pk=raw).first()

    def get(self, request, *args, **kwargs):
        form = BindingRequestForm(community=self._community(request.GET.get("community")))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        if not is_resident_account(request.user):  # staff: no form, nothing to ask
            return self.render_to_response(self.get_context_data(form=None), status=400)
        community = self._community(request.POST.get("community"))
        form = BindingRequestForm(request.POST, community=community)
        if form.is_valid():
            data = form.cleaned_data
            try:
                perform_checked(
                    lambda d: binding.request_binding(
                        actor=request.user,
                        community=d["community"],
                        building=d.get("building"),
                        address=d["address"],
                        name=d["name"],
                    ),
                    data,
                )
            except DomainError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("申请已提交，社区核实后会通知您。"))
                return HttpResponseRedirect(reverse("portal:bind"))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        user = self.request.user
        latest = binding.my_binding(user)
        kwargs.update(
            title=_("绑定住户"),
            resident=binding.bound_resident(user),
            latest=latest,
            pending=latest is not None and latest.status == BindingStatus.PENDING,
            staff=not is_resident_account(user),
        )
        return super().get_context_data(**kwargs)


# --- The staff's side --------------------------------------------------------------------------


class BindingListView(PermissionRequiredPage, TemplateView):
    permission = VIEW_BINDING
    template_name = "portal/bindings.html"

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", BindingStatus.PENDING)
        rows = binding.bindings_for(self.request.user)
        if status in BindingStatus.values:
            rows = rows.filter(status=status)
        kwargs.update(
            title=gettext_lazy("住户绑定"),
            rows=rows[:200],
            status=status,
            statuses=[(BindingStatus.PENDING, BindingStatus.PENDING.label), ("all", _("全部"))],
        )
        return super().get_context_data(**kwargs)


class BindingDetailView(PermissionRequiredPage, TemplateView):
    model = BindingRequest  # what <pk> names (tests/test_cross_scope.py)
    permission = VIEW_BINDING
    template_name = "portal/binding_detail.html"

    def get_object(self):
        try:
            return binding.get_binding(self.request.user, self.kwargs["pk"])
        except NotFoundOrForbidden:
            raise Http404() from None

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.render_to_response(self.get_context_data(obj=obj))

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        confirm = request.POST.get("decision") == "confirm"
        form = ConfirmForm(request.POST) if confirm else DeclineForm(request.POST)
        if form.is_valid():
            try:
                perform_checked(
                    lambda d: self._decide(obj, confirm, d),
                    form.cleaned_data,
                )
            except NotFoundOrForbidden:
                raise Http404() from None
            except DomainError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已确认绑定。") if confirm else _("已退回申请。"))
                return HttpResponseRedirect(reverse("portal:bindings"))
        forms = {"confirm_form": form} if confirm else {"decline_form": form}
        return self.render_to_response(self.get_context_data(obj=obj, **forms), status=400)

    def _decide(self, obj, confirm: bool, data):
        user = self.request.user
        if not confirm:
            return binding.decline_binding(
                obj, actor=user, reason=data["reason"], version=data["version"]
            )
        household, resident = binding.chosen(user, *(int(v) for v in data["choice"].split(":")))
        return binding.confirm_binding(
            obj,
            actor=user,
            household=household,
            resident=resident,
            on_the_spot=data["on_the_spot"],
            version=data["version"],
        )

    def get_context_data(self, **kwargs):
        obj = kwargs["obj"]
        user = self.request.user
        pending = obj.status == BindingStatus.PENDING
        kwargs.setdefault("confirm_form", ConfirmForm(initial={"version": obj.version}))
        kwargs.setdefault("decline_form", DeclineForm(initial={"version": obj.version}))
        kwargs.update(
            title=_("住户绑定申请"),
            phone=mask_phone(obj.user.phone),
            may_decide=pending and user.has_perm(DECIDE_BINDING),
            candidates=[
                (h, [(r, display_name(user, r)) for r in people])
                for h, people in (binding.candidates(user, obj) if pending else [])
            ],
        )
        return super().get_context_data(**kwargs)
