"""The root URLconf: the platform's pages, then every module's as its manifest mounts
them (core.modules), the language switch and the API."""

from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from .api import api
from .core import modules

handler400 = "gongzhi.core.views.bad_request"
handler403 = "gongzhi.core.views.permission_denied"
handler404 = "gongzhi.core.views.page_not_found"
handler500 = "gongzhi.core.views.server_error"


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico whatever the page links: the static icon (a
    temporary redirect, as the static file's hashed name changes with its content)."""

    def get_redirect_url(self, *args, **kwargs):
        return static("gongzhi/favicon.svg")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    *modules.url_patterns(),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
