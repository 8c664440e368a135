from django.urls import path  # noqa: F401  (each part of the module adds its routes)

from . import feedback_views, one_plus_one_views, rating_views, wish_views

app_name = "service"
urlpatterns: list = []

# Micro-wishes (微心愿), needs lists and “1+1”.
urlpatterns += [
    path("wishes/", wish_views.WishListView.as_view(), name="wish_list"),
    path("wishes/new/", wish_views.WishCreateView.as_view(), name="wish_create"),
    path("wishes/wall/", wish_views.WishWallView.as_view(), name="wish_wall"),
    path("wishes/needs/", wish_views.WishNeedsView.as_view(), name="wish_needs"),
    path("wishes/<int:pk>/", wish_views.WishDetailView.as_view(), name="wish_detail"),
    path("wishes/<int:pk>/claim/", wish_views.WishClaimView.as_view(), name="wish_claim"),
    path(
        "wishes/<int:pk>/claim-unit/",
        wish_views.WishClaimUnitView.as_view(),
        name="wish_claim_unit",
    ),
    path("wishes/<int:pk>/fulfil/", wish_views.WishFulfilView.as_view(), name="wish_fulfil"),
    path("wishes/<int:pk>/confirm/", wish_views.WishConfirmView.as_view(), name="wish_confirm"),
    path("wishes/<int:pk>/cancel/", wish_views.WishCancelView.as_view(), name="wish_cancel"),
    path("one-plus-one/", one_plus_one_views.OnePlusOneView.as_view(), name="one_plus_one"),
    path(
        "one-plus-one/mine/",
        one_plus_one_views.MyOnePlusOneView.as_view(),
        name="my_one_plus_one",
    ),
]

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
