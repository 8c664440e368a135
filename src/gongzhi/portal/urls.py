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
