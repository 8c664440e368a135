from django.urls import path  # noqa: F401  (each part of the module adds its routes)

from . import feedback_views, rating_views

app_name = "service"
urlpatterns: list = []
# 三级评议 and the feedback reports (ratings)
urlpatterns += [
    path("ratings/", rating_views.RatingYearView.as_view(), name="rating_list"),
    path("ratings/new/", rating_views.RatingCreateView.as_view(), name="rating_create"),
    path("ratings/units/", rating_views.RatingUnitsView.as_view(), name="rating_units"),
    path("ratings/publish/", rating_views.RatingPublishView.as_view(), name="rating_publish"),
    path("ratings/published/", rating_views.RatingPublishedView.as_view(), name="rating_published"),
    path("ratings/mine/", rating_views.MyRatingsView.as_view(), name="rating_mine"),
    path("feedback/", feedback_views.FeedbackListView.as_view(), name="feedback_list"),
    path("feedback/new/", feedback_views.FeedbackStartView.as_view(), name="feedback_start"),
    path("feedback/<int:pk>/", feedback_views.FeedbackDetailView.as_view(), name="feedback_detail"),
    path(
        "feedback/<int:pk>/download/",
        feedback_views.FeedbackDownloadView.as_view(),
        name="feedback_download",
    ),
]
