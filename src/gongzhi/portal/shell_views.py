"""The portal's shell: its home page (each part adds its entry)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "portal/home.html"
    extra_context = {"title": _("首页")}
