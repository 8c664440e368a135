from django.urls import path

from . import inbox_views, parameter_views, schedule, views

app_name = "core"
urlpatterns = [
    path("", views.WorkbenchView.as_view(), name="workbench"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("audit/", views.AuditLogListView.as_view(), name="audit_list"),
    path("notifications/", inbox_views.NotificationListView.as_view(), name="notification_list"),
    path(
        "notifications/preferences/",
        inbox_views.NotificationPreferencesView.as_view(),
        name="notification_preferences",
    ),
    path(
        "notifications/read-all/",
        inbox_views.NotificationReadAllView.as_view(),
        name="notification_read_all",
    ),
    path(
        "notifications/<int:pk>/open/",
        inbox_views.NotificationOpenView.as_view(),
        name="notification_open",
    ),
    path("exports/", views.ExportJobListView.as_view(), name="export_list"),
    path("exports/<int:pk>/", views.ExportJobDetailView.as_view(), name="export_detail"),
    path(
        "exports/<int:pk>/download/",
        views.ExportJobDownloadView.as_view(),
        name="export_download",
    ),
    path("parameters/", parameter_views.ParameterListView.as_view(), name="parameter_list"),
    path(
        "parameters/export/",
        parameter_views.ParameterExportView.as_view(),
        name="parameter_export",
    ),
    path(
        "parameters/import/",
        parameter_views.ParameterImportView.as_view(),
        name="parameter_import",
    ),
    path(
        "parameters/<str:parameter>/",
        parameter_views.ParameterDetailView.as_view(),
        name="parameter_detail",
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
