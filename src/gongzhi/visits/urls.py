from django.urls import path  # noqa: F401  (each part of the module adds its routes)

from . import care_views, compliance_views

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
