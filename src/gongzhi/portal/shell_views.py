"""The portal's shell: its home page (each part adds its entry)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "portal/home.html"
    extra_context = {"title": _("首页")}
    login_url = reverse_lazy("portal:login")  # residents sign in by phone
