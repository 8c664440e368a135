from django.urls import path

from . import views

app_name = "development"
urlpatterns = [
    path("", views.FileListView.as_view(), name="file_list"),
    path("new/", views.FileCreateView.as_view(), name="file_create"),
    path("pipeline/", views.PipelineView.as_view(), name="pipeline"),
    path("warnings/", views.WarningListView.as_view(), name="warnings"),
    path("quotas/", views.QuotaView.as_view(), name="quotas"),
    path("<int:pk>/", views.FileDetailView.as_view(), name="file_detail"),
    path("<int:pk>/id-number/", views.FileRevealView.as_view(), name="file_reveal"),
    path("<int:pk>/phone/", views.FileRevealPhoneView.as_view(), name="file_reveal_phone"),
    path("<int:pk>/step/", views.StepRecordView.as_view(), name="step_record"),
    path("<int:pk>/review/", views.ReviewCreateView.as_view(), name="review_create"),
    path("<int:pk>/end/", views.FileEndView.as_view(), name="file_end"),
]
