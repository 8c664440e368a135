from django.urls import path

from . import binding_views, shell_views, signin_views

app_name = "portal"
# The residents' portal, phone first: each part adds its pages here.
urlpatterns = [
    path("", shell_views.HomeView.as_view(), name="home"),
    path("login/", signin_views.SignInView.as_view(), name="login"),
    path("logout/", signin_views.SignOutView.as_view(), name="logout"),
    path("bind/", binding_views.BindView.as_view(), name="bind"),
    path("bindings/", binding_views.BindingListView.as_view(), name="bindings"),
    path("bindings/<int:pk>/", binding_views.BindingDetailView.as_view(), name="binding_detail"),
]

# The shell: 我的, the notifications tab, elder mode, and the installable web app.
urlpatterns += [
    path("me/", shell_views.MeView.as_view(), name="me"),
    path("notifications/", shell_views.NotificationsView.as_view(), name="notifications"),
    path("elder-mode/", shell_views.ElderModeView.as_view(), name="elder_mode"),
    path("offline/", shell_views.OfflineView.as_view(), name="offline"),
    path("manifest.webmanifest", shell_views.ManifestView.as_view(), name="manifest"),
    path("sw.js", shell_views.ServiceWorkerView.as_view(), name="service_worker"),
]

# A resident's demands (demand_views).
from . import demand_views  # noqa: E402

urlpatterns += [
    path("demands/", demand_views.MyDemandsView.as_view(), name="demand_list"),
    path("demands/new/", demand_views.DemandNewView.as_view(), name="demand_new"),
    path("demands/<int:pk>/", demand_views.DemandDetailView.as_view(), name="demand_detail"),
    path(
        "demands/<int:pk>/receipt/",
        demand_views.DemandReceiptView.as_view(),
        name="demand_receipt",
    ),
    path("demands/<int:pk>/me-too/", demand_views.MeTooView.as_view(), name="demand_me_too"),
    *[
        path(
            f"demands/<int:pk>/{action}/",
            demand_views.DemandActionView.as_view(action=action),
            name=f"demand_{action}",
        )
        for action in demand_views.ACTIONS
    ],
    path("places/<int:pk>/", demand_views.PlaceView.as_view(), name="demand_place"),
]
