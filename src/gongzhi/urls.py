from django.urls import include, path

from .api import api
from .demands import urls as demand_urls

handler403 = "gongzhi.core.views.permission_denied"
handler404 = "gongzhi.core.views.page_not_found"
handler500 = "gongzhi.core.views.server_error"

urlpatterns = [
    path("", include("gongzhi.core.urls")),
    path("accounts/", include("gongzhi.accounts.urls")),
    path("areas/", include("gongzhi.areas.urls")),
    path("residents/", include("gongzhi.residents.urls")),
    path("party/", include("gongzhi.party.urls")),
    path("dues/", include("gongzhi.dues.urls")),
    path("demands/", include("gongzhi.demands.urls")),
    path("public/demands/", include(demand_urls.public_urlpatterns)),
    path("development/", include("gongzhi.development.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
