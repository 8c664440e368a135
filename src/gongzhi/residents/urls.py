from django.urls import path
from django.utils.translation import gettext_lazy as _

from gongzhi.core.imports import import_urls

from . import views
from .imports import ResidentImporter
from .permissions import CHANGE

app_name = "residents"
urlpatterns = [
    path("", views.ResidentListView.as_view(), name="list"),
    path("floating/", views.FloatingListView.as_view(), name="floating"),
    path("households/pick/", views.HouseholdPickView.as_view(), name="pick_households"),
    path("<int:pk>/", views.ResidentDetailView.as_view(), name="detail"),
    path("<int:pk>/reveal/", views.ResidentRevealView.as_view(), name="reveal"),
    path("<int:pk>/photo/", views.ResidentPhotoView.as_view(), name="photo"),
    path("<int:pk>/photo/upload/", views.ResidentPhotoUploadView.as_view(), name="photo_upload"),
    path("<int:pk>/edit/", views.ResidentEditView.as_view(), name="edit"),
    path("<int:pk>/move-out/", views.ResidentMoveOutView.as_view(), name="move_out"),
    path("<int:pk>/move/", views.ResidentMoveToView.as_view(), name="move_to"),
    path("<int:pk>/tags/", views.ResidentTagView.as_view(), name="tags"),
    path(
        "households/<int:household_id>/register/",
        views.ResidentRegisterView.as_view(),
        name="register",
    ),
    path("households/<int:household_id>/card/", views.ContactCardView.as_view(), name="card"),
    path(
        "households/<int:household_id>/rentals/new/",
        views.RentalCreateView.as_view(),
        name="rental_create",
    ),
    path("buildings/<int:pk>/cards/", views.BuildingCardsView.as_view(), name="building_cards"),
    path("rentals/", views.RentalListView.as_view(), name="rental_list"),
    path("rentals/<int:pk>/edit/", views.RentalEditView.as_view(), name="rental_edit"),
    path("tags/", views.CareTagListView.as_view(), name="care_tags"),
    path("responsibilities/", views.ResponsibilityIndexView.as_view(), name="responsibility_index"),
    path(
        "communities/<int:pk>/responsibilities/",
        views.ResponsibilityMapView.as_view(),
        name="responsibilities",
    ),
    path(
        "responsibilities/<int:pk>/remove/",
        views.ResponsibilityRemoveView.as_view(),
        name="responsibility_remove",
    ),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("map/", views.GridMapView.as_view(), name="grid_map"),
    path("map/<int:pk>/data/", views.GridMapDataView.as_view(), name="grid_map_data"),
    path("map/import/", views.GeoJSONImportView.as_view(), name="geojson_import"),
    path("areas/<int:pk>/geometry/", views.GeometryEditView.as_view(), name="geometry_edit"),
    *import_urls(app_name, ResidentImporter, CHANGE, _("入户清查导入")),
]
