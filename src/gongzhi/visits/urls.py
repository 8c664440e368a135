from django.urls import path  # noqa: F401  (each part of the module adds its routes)

from . import care_views, case_views, compliance_views, views

app_name = "visits"
urlpatterns: list = []

# Care households (五必访) and the visit norms (norms).
urlpatterns += [
    path("care/", care_views.CareListView.as_view(), name="care_list"),
    path("care/new/", care_views.CareCreateView.as_view(), name="care_create"),
    path("care/suggestions/", care_views.SuggestionView.as_view(), name="care_suggestions"),
    path("care/<int:pk>/", care_views.CareDetailView.as_view(), name="care_detail"),
    path("care/<int:pk>/edit/", care_views.CareEditView.as_view(), name="care_edit"),
    path("care/<int:pk>/event/", care_views.CareEventView.as_view(), name="care_event"),
    path("care/<int:pk>/end/", care_views.CareEndView.as_view(), name="care_end"),
    path("compliance/", compliance_views.ComplianceView.as_view(), name="compliance"),
    path("due/", compliance_views.DueView.as_view(), name="due"),
]

# Visit records and care cases (结对帮扶).
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
