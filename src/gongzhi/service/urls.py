from django.urls import path  # noqa: F401  (each part of the module adds its routes)

from . import ledger_views, team_views, volunteer_views

app_name = "service"
urlpatterns: list = []

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
