from django.urls import path

from . import services, views

app_name = "demands"
urlpatterns = [
    path("", views.DemandListView.as_view(), name="list"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("supervision/", views.SupervisionView.as_view(), name="supervision"),
    path("mine/", views.MyDemandsView.as_view(), name="mine"),
    path("intake/", views.IntakeView.as_view(), name="intake"),
    path("intake/duplicates/", views.DuplicatesFragment.as_view(), name="intake_duplicates"),
    path("intake/suggest/", views.SuggestFragment.as_view(), name="intake_suggest"),
    path("intake/households/", views.HouseholdFragment.as_view(), name="intake_households"),
    path("meeting/", views.MeetingView.as_view(), name="meeting"),
    path("report/", views.ReportView.as_view(), name="report"),
    path("ledger/", views.LedgerView.as_view(), name="ledger"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("categories/new/", views.CategoryCreateView.as_view(), name="category_create"),
    path("categories/<int:pk>/edit/", views.CategoryEditView.as_view(), name="category_edit"),
    path("units/", views.UnitListView.as_view(), name="units"),
    path("units/new/", views.UnitCreateView.as_view(), name="unit_create"),
    path("units/<int:pk>/edit/", views.UnitEditView.as_view(), name="unit_edit"),
    path("<int:pk>/", views.DemandDetailView.as_view(), name="detail"),
    path("<int:pk>/receipt/", views.DemandReceiptView.as_view(), name="receipt"),
    path("<int:pk>/phone/", views.DemandRevealPhoneView.as_view(), name="reveal_phone"),
    # One POST route per transition of the declared state machine (services.TRANSITIONS).
    *[
        path(
            f"<int:pk>/{action}/",
            views.DemandActionView.as_view(action=action),
            name=f"act_{action}",
        )
        for action in services.TRANSITIONS
    ],
]

# Public figures, no sign-in (mounted at /public/demands/).
public_urlpatterns = (
    [path("", views.PublicStatsView.as_view(), name="stats")],
    "demands_public",
)
