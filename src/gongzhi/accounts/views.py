import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.core import audit
from gongzhi.core.views import ScopedListView

from . import services
from .forms import ChangePasswordForm, SignInForm, TokenForm
from .models import ApiToken, User
from .permissions import VIEW_USER
from .tables import UserTable


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("accounts:login")


def locked_out(request, credentials=None, *args, **kwargs):
    """Axes lockout: the same page for existing and unknown accounts."""
    audit.log(
        "accounts.signin.locked",
        result=audit.DENIED,
        username=str((credentials or {}).get("username", ""))[:150],
    )
    form = SignInForm(request, data=request.POST or None)
    form.errors.clear()
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "locked": _("登录失败次数过多，该账号已被锁定15分钟，请稍后再试。"),
        },
        status=429,
    )


class PasswordChangeView(LoginRequiredMixin, FormView):
    template_name = "accounts/password_change.html"
    form_class = ChangePasswordForm
    success_url = reverse_lazy("core:workbench")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        services.change_password(self.request.user, new_password=form.cleaned_data["new_password1"])
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
            return redirect("core:workbench")
        device, enrolling = self._device(request.user)
        return self._render(request, device, enrolling)

    def post(self, request):
        device, enrolling = self._device(request.user)
        token = (request.POST.get("token") or "").strip()
        if token.isdigit() and device.verify_token(token):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit.log("accounts.two_factor.enrolled", actor=request.user, target=request.user)
            otp_login(request, device)
            audit.log("accounts.two_factor.verified", actor=request.user)
            return redirect(request.GET.get("next") or "core:workbench")
        audit.log("accounts.two_factor.failed", actor=request.user, result=audit.FAILURE)
        return self._render(
            request, device, enrolling, error=_("动态验证码不正确或已过期。"), status=400
        )


class UserListView(ScopedListView):
    model = User
    permission = VIEW_USER
    table_class = UserTable
    title = _("用户与角色")
    export_name = "users"

    def get_queryset(self):
        return super().get_queryset().order_by("username")


class TokenListView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/tokens.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", TokenForm())
        context["tokens"] = ApiToken.objects.filter(user=self.request.user).order_by("-created_at")
        return context

    def post(self, request):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        token, key = services.issue_token(actor=request.user, **form.cleaned_data)
        return self.render_to_response(self.get_context_data(new_key=key, new_token=token))


class TokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk):
        token = ApiToken.objects.filter(user=request.user, pk=pk).first()
        if token is None:
            raise Http404()
        services.revoke_token(token, actor=request.user)
        messages.success(request, _("令牌已吊销。"))
        return HttpResponseRedirect(reverse("accounts:tokens"))
