"""Routes of 民主评议党员 (added to the app's ``urls.py``)."""

from django.urls import path

from . import evaluation_views as views

urlpatterns = [
    path("evaluations/", views.RoundListView.as_view(), name="evaluation_list"),
    path("evaluations/new/", views.RoundStartView.as_view(), name="evaluation_start"),
    path("evaluations/mine/", views.MyEvaluationView.as_view(), name="evaluation_mine"),
    path(
        "evaluations/mine/entries/<int:pk>/self/",
        views.MySelfView.as_view(),
        name="evaluation_my_self",
    ),
    path(
        "evaluations/mine/entries/<int:pk>/comment/",
        views.MyCommentView.as_view(),
        name="evaluation_my_comment",
    ),
    path(
        "evaluations/mine/<int:pk>/ballot/",
        views.MyBallotView.as_view(),
        name="evaluation_my_ballot",
    ),
    path("evaluations/<int:pk>/", views.RoundDetailView.as_view(), name="round_detail"),
    *(
        path(f"evaluations/<int:pk>/{action}/", view.as_view(), name=f"evaluation_act_{action}")
        for action, view in views.ADVANCE_VIEWS.items()
    ),
    path("evaluations/<int:pk>/paper/", views.PaperView.as_view(), name="evaluation_paper"),
    path("evaluations/<int:pk>/propose/", views.ProposalView.as_view(), name="evaluation_propose"),
    path("evaluations/<int:pk>/decide/", views.DecideView.as_view(), name="evaluation_decide"),
    path("evaluations/<int:pk>/export/", views.RoundExportView.as_view(), name="evaluation_export"),
    path(
        "evaluations/entries/<int:pk>/self/",
        views.EntrySelfView.as_view(),
        name="evaluation_entry_self",
    ),
    path(
        "evaluations/entries/<int:pk>/correction/",
        views.CorrectionStartView.as_view(),
        name="evaluation_correction_start",
    ),
    path(
        "evaluations/corrections/",
        views.CorrectionListView.as_view(),
        name="evaluation_corrections",
    ),
    path(
        "evaluations/corrections/<int:pk>/",
        views.CorrectionDetailView.as_view(),
        name="evaluation_correction",
    ),
    path(
        "evaluations/corrections/<int:pk>/followup/",
        views.FollowUpView.as_view(),
        name="evaluation_followup",
    ),
    path(
        "evaluations/corrections/<int:pk>/close/",
        views.CloseCorrectionView.as_view(),
        name="evaluation_correction_close",
    ),
    path(
        "evaluations/corrections/<int:pk>/removal/",
        views.RemovalView.as_view(),
        name="evaluation_removal",
    ),
]
