"""The root URLconf: the platform's pages, then every module's as its manifest mounts
them (core.modules), the language switch and the API."""

from django.urls import include, path

from .api import api
from .core import modules

handler400 = "gongzhi.core.views.bad_request"
handler403 = "gongzhi.core.views.permission_denied"
handler404 = "gongzhi.core.views.page_not_found"
handler500 = "gongzhi.core.views.server_error"

urlpatterns = [
    *modules.url_patterns(),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
