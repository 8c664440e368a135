from django.urls import path  # noqa: F401  (each part of the module adds its routes)

app_name = "visits"
urlpatterns: list = []

# Visit records and care cases (结对帮扶).
from . import case_views, views  # noqa: E402

urlpatterns += [
    path("", views.VisitListView.as_view(), name="list"),
    path("mine/", views.MyVisitsView.as_view(), name="mine"),
    path("new/", views.VisitCreateView.as_view(), name="create"),
    path("new/households/", views.HouseholdPickView.as_view(), name="pick_households"),
    path("new/residents/", views.ResidentOptionsView.as_view(), name="pick_residents"),
    path("<int:pk>/", views.VisitDetailView.as_view(), name="detail"),
    path("<int:pk>/demand/", views.DemandFromVisitView.as_view(), name="demand"),
    path("cases/", case_views.CaseListView.as_view(), name="case_list"),
    path("cases/mine/", case_views.MyCasesView.as_view(), name="case_mine"),
    path("cases/new/", case_views.CaseCreateView.as_view(), name="case_create"),
    path("cases/<int:pk>/", case_views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/edit/", case_views.CaseUpdateView.as_view(), name="case_update"),
    path("cases/<int:pk>/review/", case_views.CaseReviewView.as_view(), name="case_review"),
    path("cases/<int:pk>/close/", case_views.CaseCloseView.as_view(), name="case_close"),
    path("cases/<int:pk>/reopen/", case_views.CaseReopenView.as_view(), name="case_reopen"),
    path("cases/<int:pk>/help/", case_views.HelpCreateView.as_view(), name="case_help"),
]
