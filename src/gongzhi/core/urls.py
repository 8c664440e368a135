from django.urls import path

from . import schedule, views

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
    path("holidays/confirm/", views.HolidayConfirmView.as_view(), name="holiday_confirm"),
    path("holidays/import/", schedule.ScheduleImportView.as_view(), name="holiday_import"),
    path(
        "holidays/import/template/",
        schedule.ScheduleTemplateView.as_view(),
        name="holiday_template",
    ),
]
