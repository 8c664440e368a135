from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.WorkbenchView.as_view(), name="workbench"),
    path("audit/", views.AuditLogListView.as_view(), name="audit_list"),
    path("holidays/", views.HolidayListView.as_view(), name="holiday_list"),
    path("holidays/<int:pk>/delete/", views.HolidayDeleteView.as_view(), name="holiday_delete"),
]
