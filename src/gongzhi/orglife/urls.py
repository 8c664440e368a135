from django.urls import path

from . import views

app_name = "orglife"
urlpatterns = [
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
]
