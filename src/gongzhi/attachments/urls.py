"""Routes of attachments (mounted at ``attachments/`` by the manifest): a file by its id,
and an upload route for every model that declares ``attachable`` (owners.py), named
``attachments:upload_<app>_<model>`` with the owner's ``pk``."""

from django.urls import path

from . import views

app_name = "attachments"
urlpatterns = [
    path("<int:attachment_id>/", views.DownloadView.as_view(), name="download"),
    path(
        "<int:attachment_id>/thumbnail/",
        views.DownloadView.as_view(thumbnail=True),
        name="thumbnail",
    ),
    path("<int:attachment_id>/delete/", views.DeleteView.as_view(), name="delete"),
    *[path(route, view, name=name) for route, view, name in views.owner_patterns()],
]
