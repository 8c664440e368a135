"""Every user's inbox: the bell on every page (unread count), the list, opening a
notification (marked read, then its object), marking all read; the same over the API."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from . import notifications, services
from .errors import DomainError
from .models import Notification


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "core/notifications.html"
    paginate_by = 30

    def get_queryset(self) -> Any:
        rows = notifications.inbox(self.request.user)
        if self.request.GET.get("unread"):
            rows = rows.filter(read_at__isnull=True)
        return rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(unread_only=bool(self.request.GET.get("unread")), **kwargs)


class NotificationOpenView(LoginRequiredMixin, View):
    """POST: mark one of the user's notifications read and go to its object (a path of
    this site only: never an open redirect)."""

    http_method_names = ["post"]
    model = Notification  # (the cross-scope walk's: each one is its user's alone)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = notifications.inbox(request.user).filter(pk=pk).first()
        if notification is None:
            raise Http404()
        assert request.user.is_authenticated  # LoginRequiredMixin lets no one else in
        services.mark_notifications_read(actor=request.user, ids=[notification.pk])
        link = notification.link
        safe = link.startswith("/") and url_has_allowed_host_and_scheme(
            link, allowed_hosts={request.get_host()}
        )
        return HttpResponseRedirect(link if safe else reverse("core:notification_list"))


class NotificationReadAllView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        assert request.user.is_authenticated  # LoginRequiredMixin lets no one else in
        services.mark_notifications_read(actor=request.user)
        return HttpResponseRedirect(reverse("core:notification_list"))


class NotificationPreferencesView(LoginRequiredMixin, TemplateView):
    """Per kind of message, the channels that carry it besides the inbox."""

    template_name = "core/notification_preferences.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = notifications.preferences(self.request.user)
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        assert request.user.is_authenticated  # LoginRequiredMixin lets no one else in
        enabled = {
            (kind, channel)
            for value in request.POST.getlist("on")
            for kind, _sep, channel in [value.partition("|")]
            if channel
        }
        try:
            services.set_notification_preferences(actor=request.user, enabled=enabled)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("通知设置已保存。"))
        return HttpResponseRedirect(reverse("core:notification_preferences"))
