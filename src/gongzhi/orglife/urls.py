from django.urls import path

from . import bundle_views, evaluation_urls, study_views

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
