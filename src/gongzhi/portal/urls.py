from django.urls import path

from . import shell_views

app_name = "portal"
# The residents' portal, phone first: each part adds its pages here.
urlpatterns = [
    path("", shell_views.HomeView.as_view(), name="home"),
]
