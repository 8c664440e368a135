from django.urls import path  # noqa: F401  (each part of the module adds its routes)

app_name = "service"
urlpatterns: list = []

from . import report_views as rv  # noqa: E402  (reports: 双报到, units, pairing, coverage)

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
