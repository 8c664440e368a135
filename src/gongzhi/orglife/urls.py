from django.urls import path  # noqa: F401  (the pages add their routes here)

from . import bundle_views

app_name = "orglife"
urlpatterns: list = [
    path(
        "meetings/<int:pk>/bundle/",
        bundle_views.MeetingBundleView.as_view(),
        name="meeting_bundle",
    ),
    path("record-book/", bundle_views.RecordBookView.as_view(), name="record_book"),
    path("verify/", bundle_views.VerifyView.as_view(), name="verify"),
]
