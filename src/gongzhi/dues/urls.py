from django.urls import path

from . import views

app_name = "dues"
urlpatterns = [
    path("", views.LedgerView.as_view(), name="ledger"),
    path("run/", views.RunMonthView.as_view(), name="run"),
    path("arrears/", views.ArrearsView.as_view(), name="arrears"),
    path("undeclared/", views.UndeclaredView.as_view(), name="undeclared"),
    path("summary/", views.SummaryView.as_view(), name="summary"),
    path("members/<int:pk>/", views.MemberDuesView.as_view(), name="member"),
    path("members/<int:pk>/declare/", views.DeclareView.as_view(), name="declare"),
    path("pay/", views.PayManyView.as_view(), name="pay_many"),
    path("members/<int:pk>/pay/", views.PaymentView.as_view(), name="pay"),
    path("members/<int:pk>/special/", views.SpecialPaymentView.as_view(), name="special"),
    path("members/<int:pk>/reduction/", views.ReductionView.as_view(), name="reduction"),
]
