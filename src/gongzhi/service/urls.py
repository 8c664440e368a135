from django.urls import path  # noqa: F401  (each part of the module adds its routes)

app_name = "service"
urlpatterns: list = []

# Volunteer activities: sign-up, check-in and check-out, the theme service day.
from . import activity_views  # noqa: E402

urlpatterns += [
    path("activities/", activity_views.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", activity_views.ActivityCreateView.as_view(), name="activity_create"),
    path(
        "activities/<int:pk>/", activity_views.ActivityDetailView.as_view(), name="activity_detail"
    ),
    path(
        "activities/<int:pk>/edit/",
        activity_views.ActivityUpdateView.as_view(),
        name="activity_update",
    ),
    path(
        "activities/<int:pk>/publish/",
        activity_views.ActivityPublishView.as_view(),
        name="activity_publish",
    ),
    path(
        "activities/<int:pk>/finish/",
        activity_views.ActivityFinishView.as_view(),
        name="activity_finish",
    ),
    path(
        "activities/<int:pk>/cancel/",
        activity_views.ActivityCancelView.as_view(),
        name="activity_cancel",
    ),
    path(
        "activities/<int:pk>/screen/",
        activity_views.CheckInScreenView.as_view(),
        name="activity_screen",
    ),
    path(
        "activities/<int:activity_id>/checkin/",
        activity_views.CheckInPageView.as_view(),
        name="activity_checkin",
    ),
    path(
        "activities/<int:activity_id>/signup/",
        activity_views.SignUpView.as_view(),
        name="activity_signup",
    ),
    path(
        "signups/<int:signup_id>/cancel/",
        activity_views.SignUpCancelView.as_view(),
        name="signup_cancel",
    ),
    path("checkin/", activity_views.CodeEntryView.as_view(), name="checkin"),
    path("mine/activities/", activity_views.MyActivitiesView.as_view(), name="activity_mine"),
    path("theme-days/", activity_views.ThemeDayView.as_view(), name="theme_days"),
]

# Hours entered by hand: make-up, approval, correction.
from . import hours_views  # noqa: E402

urlpatterns += [
    path("hours/makeup/", hours_views.MakeUpView.as_view(), name="hours_makeup"),
    path("hours/pending/", hours_views.PendingView.as_view(), name="hours_pending"),
    path(
        "hours/<int:hours_id>/correct/",
        hours_views.CorrectionView.as_view(),
        name="hours_correct",
    ),
]
