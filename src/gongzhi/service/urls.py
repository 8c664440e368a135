from django.urls import path  # noqa: F401  (each part of the module adds its routes)

from . import (
    activity_views,
    feedback_views,
    hours_views,
    ledger_views,
    one_plus_one_views,
    rating_views,
    team_views,
    volunteer_views,
    wish_views,
)
from . import report_views as rv

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

# The volunteer registry, teams and posts, the hours ledger and certificates (ledger part).
urlpatterns += [
    path("volunteers/", volunteer_views.VolunteerListView.as_view(), name="volunteer_list"),
    path("volunteers/register/", volunteer_views.RegisterView.as_view(), name="volunteer_register"),
    path("volunteers/join/", volunteer_views.JoinView.as_view(), name="volunteer_join"),
    path(
        "volunteers/<int:pk>/",
        volunteer_views.VolunteerDetailView.as_view(),
        name="volunteer_detail",
    ),
    path(
        "volunteers/<int:pk>/edit/",
        volunteer_views.VolunteerEditView.as_view(),
        name="volunteer_edit",
    ),
    path(
        "volunteers/<int:pk>/deactivate/",
        volunteer_views.DeactivateView.as_view(),
        name="volunteer_deactivate",
    ),
    path(
        "volunteers/<int:pk>/reactivate/",
        volunteer_views.ReactivateView.as_view(),
        name="volunteer_reactivate",
    ),
    path(
        "volunteers/<int:volunteer_id>/ledger/",
        ledger_views.VolunteerLedgerView.as_view(),
        name="volunteer_ledger",
    ),
    path(
        "volunteers/<int:volunteer_id>/certificate/",
        ledger_views.CertificateIssueView.as_view(),
        name="certificate_issue",
    ),
    path("mine/", ledger_views.MineView.as_view(), name="mine"),
    path("ledger/", ledger_views.SummaryView.as_view(), name="ledger_summary"),
    path("ledger/shortfalls/", ledger_views.ShortfallView.as_view(), name="ledger_shortfalls"),
    path(
        "certificates/<int:certificate_id>/pdf/",
        ledger_views.CertificatePdfView.as_view(),
        name="certificate_pdf",
    ),
    path("certificates/verify/", ledger_views.VerifyView.as_view(), name="certificate_check"),
    path(
        "certificates/verify/<str:code>/",
        ledger_views.VerifyView.as_view(),
        name="certificate_verify",
    ),
    path("teams/", team_views.TeamListView.as_view(), name="team_list"),
    path("teams/new/", team_views.TeamCreateView.as_view(), name="team_create"),
    path("teams/<int:pk>/", team_views.TeamDetailView.as_view(), name="team_detail"),
    path("teams/<int:pk>/edit/", team_views.TeamEditView.as_view(), name="team_edit"),
    path(
        "teams/<int:team_id>/members/<int:volunteer_id>/add/",
        team_views.TeamMemberView.as_view(),
        name="team_add_member",
    ),
    path(
        "teams/<int:team_id>/members/<int:volunteer_id>/remove/",
        team_views.TeamMemberView.as_view(adding=False),
        name="team_remove_member",
    ),
    path("posts/", team_views.PostListView.as_view(), name="post_list"),
    path("posts/new/", team_views.PostCreateView.as_view(), name="post_create"),
    path("posts/<int:pk>/", team_views.PostDetailView.as_view(), name="post_detail"),
    path("posts/<int:pk>/edit/", team_views.PostEditView.as_view(), name="post_edit"),
]

# 双报到, units, pairing and coverage (reports part).
urlpatterns += [
    path("reports/", rv.ReportListView.as_view(), name="report_list"),
    path("reports/new/", rv.ReportCreateView.as_view(), name="report_create"),
    path("reports/mine/", rv.ReportMineView.as_view(), name="report_mine"),
    path("reports/request/", rv.ReportRequestView.as_view(), name="report_request"),
    path("reports/rates/", rv.RatesView.as_view(), name="report_rates"),
    path("reports/<int:pk>/", rv.ReportDetailView.as_view(), name="report_detail"),
    path("reports/<int:pk>/confirm/", rv.ReportConfirmView.as_view(), name="report_confirm"),
    path("reports/<int:pk>/decline/", rv.ReportDeclineView.as_view(), name="report_decline"),
    path("reports/<int:pk>/reconfirm/", rv.ReportReconfirmView.as_view(), name="report_reconfirm"),
    path("reports/<int:pk>/end/", rv.ReportEndView.as_view(), name="report_end"),
    path("reports/<int:pk>/pair/", rv.PairCreateView.as_view(), name="pair_create"),
    path("pairs/<int:pk>/end/", rv.PairEndView.as_view(), name="pair_end"),
    path("units/", rv.UnitListView.as_view(), name="unit_list"),
    path("units/new/", rv.UnitCreateView.as_view(), name="unit_create"),
    path("units/<int:pk>/", rv.UnitDetailView.as_view(), name="unit_detail"),
    path("units/<int:pk>/edit/", rv.UnitEditView.as_view(), name="unit_edit"),
    path("unit-reports/", rv.UnitReportListView.as_view(), name="unit_report_list"),
    path("unit-reports/new/", rv.UnitReportCreateView.as_view(), name="unit_report_create"),
    path(
        "unit-reports/<int:pk>/confirm/",
        rv.UnitReportConfirmView.as_view(),
        name="unit_report_confirm",
    ),
    path(
        "unit-reports/<int:pk>/decline/",
        rv.UnitReportDeclineView.as_view(),
        name="unit_report_decline",
    ),
    path(
        "unit-reports/<int:pk>/reconfirm/",
        rv.UnitReportReconfirmView.as_view(),
        name="unit_report_reconfirm",
    ),
    path("unit-reports/<int:pk>/end/", rv.UnitReportEndView.as_view(), name="unit_report_end"),
    path("coverage/", rv.CoverageView.as_view(), name="coverage"),
    path("coverage/assign/", rv.CoverageAssignView.as_view(), name="coverage_assign"),
]

# Volunteer activities: sign-up, check-in and check-out, the theme service day.
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
urlpatterns += [
    path("hours/makeup/", hours_views.MakeUpView.as_view(), name="hours_makeup"),
    path("hours/pending/", hours_views.PendingView.as_view(), name="hours_pending"),
    path(
        "hours/<int:hours_id>/correct/",
        hours_views.CorrectionView.as_view(),
        name="hours_correct",
    ),
]
