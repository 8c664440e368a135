from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from gongzhi.core.imports import import_urls

from . import services, views
from .imports import MemberImporter
from .permissions import CHANGE_MEMBER

app_name = "party"

member = [
    ("edit", views.MemberEditView, "member_edit"),
    ("move", views.MemberMoveView, "member_move"),
    ("category", views.MemberCategoryView, "member_category"),
    ("convert", views.MemberConvertView, "member_convert"),
    ("contact", views.MemberContactView, "member_contact"),
    ("suspend", views.MemberSuspendView, "member_suspend"),
    ("restore", views.MemberRestoreView, "member_restore"),
    ("remove", views.MemberRemoveView, "member_remove"),
    ("death", views.MemberDeathView, "member_death"),
    ("transfer", views.TransferSendView, "transfer_send"),
    ("reveal", views.MemberRevealView, "member_reveal"),
    ("card", views.MemberCardView, "member_card"),
]
services.STANDING_WORKFLOW.routes(  # checked: core.workflow
    pages={name for name, _view, _url in member} & set(services.STANDING_WORKFLOW.transitions)
)
transfer = [
    ("receive", views.TransferReceiveView, "transfer_receive"),
    ("return", views.TransferReturnView, "transfer_return"),
    ("cancel", views.TransferCancelView, "transfer_cancel"),
    ("confirm", views.TransferConfirmView, "transfer_confirm"),
]

urlpatterns = [
    # Organizations and their committees
    path("", views.OrganizationTreeView.as_view(), name="organization_tree"),
    path("organizations/new/", views.OrganizationCreateView.as_view(), name="organization_create"),
    path(
        "organizations/<int:pk>/",
        views.OrganizationDetailView.as_view(),
        name="organization_detail",
    ),
    path(
        "organizations/<int:pk>/edit/",
        views.OrganizationEditView.as_view(),
        name="organization_edit",
    ),
    path(
        "organizations/<int:pk>/renew/",
        views.OrganizationRenewView.as_view(),
        name="organization_renew",
    ),
    path("organizations/<int:pk>/seats/new/", views.SeatAddView.as_view(), name="seat_add"),
    path("seats/<int:pk>/remove/", views.SeatRemoveView.as_view(), name="seat_remove"),
    # Members
    path("members/", views.MemberListView.as_view(), name="member_list"),
    path("members/new/", views.MemberCreateView.as_view(), name="member_create"),
    path("members/warnings/", views.WarningsView.as_view(), name="warnings"),
    path(
        "members/",
        include(
            import_urls(
                app_name, MemberImporter, CHANGE_MEMBER, _("党员导入"), name="member_import"
            )
        ),
    ),
    path("members/<int:pk>/", views.MemberDetailView.as_view(), name="member_detail"),
    *(path(f"members/<int:pk>/{p}/", v.as_view(), name=n) for p, v, n in member),
    path("talent/", views.TalentView.as_view(), name="talent"),
    # Organizational-relation transfers
    path("transfers/", views.TransferListView.as_view(), name="transfer_list"),
    path(
        "transfers/receive/",
        views.ReceiveFromOutsideView.as_view(),
        name="transfer_receive_outside",
    ),
    path("transfers/<int:pk>/", views.TransferDetailView.as_view(), name="transfer_detail"),
    *(path(f"transfers/<int:pk>/{p}/", v.as_view(), name=n) for p, v, n in transfer),
    # Community two committees
    path("committees/", views.CadreOverviewView.as_view(), name="cadre_overview"),
    path("committees/<int:pk>/", views.CadreRosterView.as_view(), name="cadre_roster"),
    path("committees/<int:pk>/new/", views.CadreAddView.as_view(), name="cadre_add"),
    path("cadres/<int:pk>/edit/", views.CadreEditView.as_view(), name="cadre_edit"),
    path("cadres/<int:pk>/remove/", views.CadreRemoveView.as_view(), name="cadre_remove"),
]
