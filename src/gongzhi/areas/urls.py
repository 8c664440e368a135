from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.AreaTreeView.as_view(), name="tree"),
    path("<int:pk>/", views.AreaDetailView.as_view(), name="area_detail"),
    path("<int:pk>/new/", views.AreaCreateView.as_view(), name="area_create"),
    path("<int:pk>/edit/", views.AreaEditView.as_view(), name="area_edit"),
    path("<int:pk>/delete/", views.AreaDeleteView.as_view(), name="area_delete"),
    path("<int:pk>/households/new/", views.HouseholdCreateView.as_view(), name="household_create"),
    path("import/", views.AreaImportView.as_view(), name="import"),
    path("import/template/", views.AreaImportTemplateView.as_view(), name="import_template"),
    path("import/<str:key>/", views.AreaImportResultView.as_view(), name="import_result"),
    path("import/<str:key>/errors/", views.AreaImportErrorsView.as_view(), name="import_errors"),
    path("households/", views.HouseholdListView.as_view(), name="household_list"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(), name="household_detail"),
    path("households/<int:pk>/edit/", views.HouseholdEditView.as_view(), name="household_edit"),
    path(
        "households/<int:pk>/delete/", views.HouseholdDeleteView.as_view(), name="household_delete"
    ),
]
