import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.core import audit
from gongzhi.core.errors import DomainError, NotFoundOrForbidden
from gongzhi.core.views import (
    PermissionRequiredPage,
    ScopedDetailView,
    ScopedListView,
    ServiceActionView,
    ServiceFormView,
    refuse_unless,
)

from . import selectors, services
from .filters import UserFilter
from .forms import (
    ChangePasswordForm,
    PasswordResetForm,
    RoleAssignForm,
    SignInForm,
    TokenForm,
    UserCreateForm,
)
from .models import ApiToken, User
from .permissions import MANAGE_USER, USE_API, VIEW_USER
from .tables import UserTable


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("accounts:login")


def locked_out(request, original_response=None, credentials=None):
    """Axes lockout (``AXES_LOCKOUT_CALLABLE``): the same page, status and message for an
    existing and an unknown account name, and one audit record per refused attempt."""
    from .signals import attempted_account

    username = str((credentials or {}).get("username", ""))[:150]
    audit.log(
        "accounts.signin.locked",
        actor=attempted_account(username),
        result=audit.DENIED,
        username=username,
    )
    # Unbound (validating would run authentication again), with the typed name kept.
    form = SignInForm(request, initial={"username": username})
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "locked": _("登录失败次数过多，该账号已被锁定15分钟，请稍后再试。"),
        },
        status=429,
    )


def safe_next(request) -> str:
    """Where to go after a security step: ``?next=`` if it stays on this site."""
    url = request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("core:workbench")


class PasswordChangeView(LoginRequiredMixin, FormView):
    template_name = "accounts/password_change.html"
    form_class = ChangePasswordForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_success_url(self):
        return safe_next(self.request)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["expired"] = not user.must_change_password and user.password_expired(
            settings.GONGZHI_PASSWORD_MAX_AGE_DAYS
        )
        context["max_age_days"] = settings.GONGZHI_PASSWORD_MAX_AGE_DAYS
        return context

    def form_valid(self, form):
        try:
            services.change_password(
                self.request.user, new_password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            return self.form_invalid(form)
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("密码已修改。"))
        return super().form_valid(form)


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


class TwoFactorView(LoginRequiredMixin, View):
    """Enrol a TOTP authenticator (first time) or verify a code (every sign-in)."""

    template_name = "accounts/two_factor.html"

    def _device(self, user):
        device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
        if device is not None:
            return device, False
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
        return device, True

    def _render(self, request, device, enrolling, error=None, status=200):
        context = {"enrolling": enrolling, "error": error}
        if enrolling:
            context["secret"] = base64.b32encode(device.bin_key).decode()
            context["qr_svg"] = _qr_svg(device.config_url)
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        if request.user.is_verified():
            return redirect(safe_next(request))
        device, enrolling = self._device(request.user)
        return self._render(request, device, enrolling)

    def post(self, request):
        if request.user.is_verified():
            return redirect(safe_next(request))
        device, enrolling = self._device(request.user)
        token = (request.POST.get("token") or "").strip()
        allowed, _info = device.verify_is_allowed()
        if allowed and (token.isascii() and token.isdigit()) and device.verify_token(token):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit.log("accounts.two_factor.enrolled", actor=request.user, target=request.user)
            otp_login(request, device)
            audit.log("accounts.two_factor.verified", actor=request.user)
            return redirect(safe_next(request))
        # verify_token throttles itself: after a wrong code the next try must wait longer.
        audit.log(
            "accounts.two_factor.failed",
            actor=request.user,
            result=audit.FAILURE,
            data={"throttled": not allowed},
        )
        error = _("动态验证码不正确或已过期。") if allowed else _("验证失败次数过多，请稍候再试。")
        return self._render(request, device, enrolling, error=error, status=400)


class UserListView(PermissionRequiredPage, ScopedListView):
    model = User
    permission = VIEW_USER
    filterset_class = UserFilter
    table_class = UserTable
    title = _("用户与角色")
    export_name = "users"
    create_url = reverse_lazy("accounts:user_create")
    create_permission = MANAGE_USER

    def get_queryset(self):
        # with_roles(): the role column costs one query for the whole page, not one per row.
        return super().get_queryset().with_roles().order_by("username")


class UserDetailView(PermissionRequiredPage, ScopedDetailView):
    model = User
    permission = VIEW_USER
    template_name = "accounts/user_detail.html"
    context_object_name = "account"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actor, account = self.request.user, self.object
        can_manage = actor.pk != account.pk and services.may_manage(actor, account)
        assignments = list(selectors.assignments_visible_to(actor, account))
        context.update(
            home_area=selectors.home_area(account),
            assignments=[
                (a, can_manage and services.may_grant(actor, a.role, a.area)) for a in assignments
            ],
            can_manage=can_manage,
            role_form=RoleAssignForm(actor=actor) if can_manage else None,
            tokens=account.api_tokens.order_by("-created_at") if can_manage else [],
        )
        return context


class UserCreateView(PermissionRequiredPage, ServiceFormView):
    model = User
    permission = MANAGE_USER
    title = _("新建用户")
    success_message = _("用户已创建，首次登录须修改密码。")

    def get_form(self, data=None, files=None):
        return UserCreateForm(data, actor=self.request.user)

    def perform(self, form):
        return services.create_user(actor=self.request.user, **form.cleaned_data)


class RoleAssignView(PermissionRequiredPage, ServiceFormView):
    model = User
    permission = MANAGE_USER
    title = _("授予角色")
    success_message = _("角色已授予。")

    def get_form(self, data=None, files=None):
        return RoleAssignForm(data, actor=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = f"{self.title} · {self.get_object()}"
        return context

    def perform(self, form):
        user = self.get_object()
        services.assign_role(actor=self.request.user, user=user, **form.cleaned_data)
        return user


class RoleRevokeView(PermissionRequiredPage, ServiceActionView):
    model = User
    permission = MANAGE_USER
    success_message = _("角色已撤销。")

    def perform(self, obj):
        assignment = obj.role_assignments.select_related("area").filter(pk=self.kwargs["rid"])
        if not assignment:
            raise NotFoundOrForbidden()
        services.revoke_role(assignment[0], actor=self.request.user)

    def get_success_url(self, obj):
        return obj.get_absolute_url()


class UserDeactivateView(PermissionRequiredPage, ServiceActionView):
    model = User
    permission = MANAGE_USER
    success_message = _("账号已停用。")
    active = False

    def perform(self, obj):
        services.set_active(obj, actor=self.request.user, active=self.active)

    def get_success_url(self, obj):
        return obj.get_absolute_url()


class UserActivateView(UserDeactivateView):
    success_message = _("账号已启用。")
    active = True


class PasswordResetView(PermissionRequiredPage, ServiceFormView):
    model = User
    permission = MANAGE_USER
    title = _("重置密码")
    success_message = _("密码已重置，用户下次登录时须修改。")

    def get_form(self, data=None, files=None):
        return PasswordResetForm(data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = f"{self.title} · {self.get_object()}"
        return context

    def perform(self, form):
        return services.reset_password(
            self.get_object(), actor=self.request.user, password=form.cleaned_data["password"]
        )


class TokenListView(LoginRequiredMixin, TemplateView):
    """The user's own API tokens: only for a role that may use the API (a resident is
    refused, issue 13 defect 14)."""

    template_name = "accounts/tokens.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.may_use_api:
            refuse_unless(request, (USE_API,))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", TokenForm())
        context["tokens"] = ApiToken.objects.filter(user=self.request.user).order_by("-created_at")
        return context

    def post(self, request):
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                token, key = services.issue_token(
                    actor=request.user, verified=request.user.is_verified(), **form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                return self.render_to_response(  # never cached: NoStoreMiddleware
                    self.get_context_data(new_key=key, new_token=token)
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TokenRevokeView(LoginRequiredMixin, View):
    """The owner revokes their token, or an administrator one of an account they manage."""

    def post(self, request, pk):
        token = ApiToken.objects.select_related("user").filter(pk=pk).first()
        if token is None:
            raise Http404()
        try:
            services.revoke_token(token, actor=request.user)
        except NotFoundOrForbidden:
            raise Http404() from None
        messages.success(request, _("令牌已吊销。"))
        if token.user_id == request.user.pk:
            return HttpResponseRedirect(reverse("accounts:tokens"))
        return HttpResponseRedirect(token.user.get_absolute_url())
