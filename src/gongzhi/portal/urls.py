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
