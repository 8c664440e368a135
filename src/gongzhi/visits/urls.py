from django.urls import path  # noqa: F401  (each part of the module adds its routes)

app_name = "visits"
urlpatterns: list = []
