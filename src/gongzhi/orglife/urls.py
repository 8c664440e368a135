from django.urls import path  # noqa: F401  (the pages add their routes here)

from . import plan_views

app_name = "orglife"
urlpatterns: list = []

urlpatterns += [
    path("compliance/", plan_views.ComplianceView.as_view(), name="compliance"),
    path("plans/", plan_views.PlanListView.as_view(), name="plan_list"),
    path("plans/generate/", plan_views.PlanGenerateView.as_view(), name="plan_generate"),
    path("plans/generate-all/", plan_views.GenerateAllView.as_view(), name="plan_generate_all"),
    path("plans/<int:pk>/", plan_views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/theme-day/", plan_views.ThemeDayView.as_view(), name="plan_theme_day"),
]
