"""The portal's sign-in by phone and code, and sign-out (ADR 0016). The number travels
in the form's body only, never in a URL; every refusal names its field."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from gongzhi.core import context, pii
from gongzhi.core.api import error_body
from gongzhi.core.errors import DomainError
from gongzhi.core.views import safe_next

from . import binding, codes, signin
from .signin_forms import SignInForm

BACKEND = "gongzhi.accounts.backends.ScopedModelBackend"


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


class SignInView(TemplateView):
    """获取验证码 (``action=send``; signin.js sends it without leaving the page and counts
    down) then 登录 (``action=login``)."""

    template_name = "portal/login.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("portal:home")
        return self.render_to_response(self.get_context_data(form=SignInForm()))

    def post(self, request, *args, **kwargs):
        form = SignInForm(request.POST)
        if not form.is_valid():
            if _wants_json(request):
                field, errors = next(iter(form.errors.items()))
                return JsonResponse(error_body("invalid", errors[0], field), status=400)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        phone, code = form.cleaned_data["phone"], form.cleaned_data["code"]
        if request.POST.get("action") == "send":
            return self._send(form, phone)
        try:
            signed_in = signin.sign_in(phone, code)
        except DomainError as exc:
            return self._refused(form, exc)
        login(request, signed_in.user, backend=BACKEND)
        if signed_in.created or not (
            binding.bound_resident(signed_in.user) or binding.my_binding(signed_in.user)
        ):
            return HttpResponseRedirect(reverse("portal:bind"))
        return HttpResponseRedirect(safe_next(request) or reverse("portal:home"))

    def _send(self, form, phone):
        try:
            sent = codes.request_code(phone, ip=context.current().ip)
        except DomainError as exc:
            if _wants_json(self.request):
                body = error_body(exc.code, exc.message, exc.field)
                body["error"]["wait_seconds"] = exc.params.get("wait_seconds", 0)
                return JsonResponse(body, status=exc.status)
            return self._refused(form, exc)
        text = _("验证码已发送至%(phone)s，%(m)d分钟内有效。") % {
            "phone": pii.mask_phone(codes.normalize_mobile(phone)),
            "m": sent.valid_minutes,
        }
        if _wants_json(self.request):
            return JsonResponse({"message": text, "wait_seconds": sent.wait_seconds}, status=202)
        messages.info(self.request, text)
        return self.render_to_response(
            self.get_context_data(form=form, wait_seconds=sent.wait_seconds)
        )

    def _refused(self, form, exc: DomainError):
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, str(exc.message))
        return self.render_to_response(self.get_context_data(form=form), status=exc.status)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("title", _("登录"))
        kwargs.setdefault("wait_seconds", 0)
        kwargs.setdefault("next", safe_next(self.request))
        return super().get_context_data(**kwargs)


class SignOutView(TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        logout(request)
        return HttpResponseRedirect(reverse("portal:login"))
