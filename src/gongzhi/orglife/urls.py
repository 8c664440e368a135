from django.urls import path

from . import bundle_views, evaluation_urls, plan_views, study_views, views

app_name = "orglife"
urlpatterns: list = [
    path("meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting_create"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.MeetingUpdateView.as_view(), name="meeting_update"),
    path(
        "meetings/<int:pk>/notify/",
        views.MeetingNotifyView.as_view(),
        name="meeting_notify",
    ),
    path("meetings/<int:pk>/signin/", views.MeetingSignInView.as_view(), name="meeting_signin"),
    path("meetings/<int:pk>/screen/", views.SignInScreenView.as_view(), name="meeting_screen"),
    path("meetings/<int:pk>/hold/", views.MeetingHoldView.as_view(), name="meeting_hold"),
    path("meetings/<int:pk>/decide/", views.MeetingDecisionView.as_view(), name="meeting_decide"),
    path("meetings/<int:pk>/minutes/", views.MeetingMinutesView.as_view(), name="meeting_minutes"),
    path(
        "meetings/<int:pk>/approve/",
        views.MeetingApproveView.as_view(),
        name="meeting_approve",
    ),
    path("meetings/<int:pk>/makeup/", views.MeetingMakeUpView.as_view(), name="meeting_makeup"),
    path(
        "meetings/<int:pk>/close/",
        views.MeetingCloseView.as_view(),
        name="meeting_close",
    ),
    path("meetings/<int:pk>/cancel/", views.MeetingCancelView.as_view(), name="meeting_cancel"),
    path("join/<int:meeting_id>/", views.JoinView.as_view(), name="join"),
    path("mine/", views.MyMeetingsView.as_view(), name="mine"),
    path(
        "meetings/<int:pk>/bundle/",
        bundle_views.MeetingBundleView.as_view(),
        name="meeting_bundle",
    ),
    path("record-book/", bundle_views.RecordBookView.as_view(), name="record_book"),
    path("verify/", bundle_views.VerifyView.as_view(), name="verify"),
]

# Study and training hours, talks.
urlpatterns += [
    path("study/", study_views.SummaryView.as_view(), name="study_summary"),
    path("study/mine/", study_views.MyLedgerView.as_view(), name="study_mine"),
    path("study/shortfalls/", study_views.ShortfallView.as_view(), name="study_shortfalls"),
    path("study/enter/", study_views.EntryView.as_view(), name="study_enter"),
    path(
        "study/members/<int:member_id>/",
        study_views.MemberLedgerView.as_view(),
        name="study_member",
    ),
    path(
        "study/members/<int:member_id>/correct/",
        study_views.CorrectionView.as_view(),
        name="study_correct",
    ),
    *study_views.import_urls(),
    path("talks/", study_views.TalkListView.as_view(), name="talk_list"),
    path("talks/new/", study_views.TalkCreateView.as_view(), name="talk_create"),
]

# 民主评议党员
urlpatterns += evaluation_urls.urlpatterns

# Yearly plans and the compliance calendar.
urlpatterns += [
    path("compliance/", plan_views.ComplianceView.as_view(), name="compliance"),
    path("plans/", plan_views.PlanListView.as_view(), name="plan_list"),
    path("plans/generate/", plan_views.PlanGenerateView.as_view(), name="plan_generate"),
    path("plans/generate-all/", plan_views.GenerateAllView.as_view(), name="plan_generate_all"),
    path("plans/<int:pk>/", plan_views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/theme-day/", plan_views.ThemeDayView.as_view(), name="plan_theme_day"),
]
