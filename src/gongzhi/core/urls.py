from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.WorkbenchView.as_view(), name="workbench"),
    path("audit/", views.AuditLogListView.as_view(), name="audit_list"),
    path("exports/", views.ExportJobListView.as_view(), name="export_list"),
    path("exports/<int:pk>/", views.ExportJobDetailView.as_view(), name="export_detail"),
    path(
        "exports/<int:pk>/download/",
        views.ExportJobDownloadView.as_view(),
        name="export_download",
    ),
    path("holidays/", views.HolidayListView.as_view(), name="holiday_list"),
    path("holidays/<int:pk>/delete/", views.HolidayDeleteView.as_view(), name="holiday_delete"),
]
