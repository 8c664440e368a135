from django.urls import path
from django.utils.translation import gettext_lazy as _

from gongzhi.core.imports import import_urls

from . import views
from .imports import AreaImporter
from .permissions import CHANGE_AREA

app_name = "areas"
urlpatterns = [
    path("", views.AreaTreeView.as_view(), name="tree"),
    path("pick/", views.AreaPickView.as_view(), name="pick"),
    path("<int:pk>/", views.AreaDetailView.as_view(), name="area_detail"),
    path("<int:pk>/new/", views.AreaCreateView.as_view(), name="area_create"),
    path("<int:pk>/edit/", views.AreaEditView.as_view(), name="area_edit"),
    path("<int:pk>/delete/", views.AreaDeleteView.as_view(), name="area_delete"),
    path("<int:pk>/households/new/", views.HouseholdCreateView.as_view(), name="household_create"),
    *import_urls(app_name, AreaImporter, CHANGE_AREA, _("区域导入")),
    path("households/", views.HouseholdListView.as_view(), name="household_list"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(), name="household_detail"),
    path("households/<int:pk>/edit/", views.HouseholdEditView.as_view(), name="household_edit"),
    path(
        "households/<int:pk>/delete/", views.HouseholdDeleteView.as_view(), name="household_delete"
    ),
]
