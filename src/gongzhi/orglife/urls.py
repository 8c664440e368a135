from django.urls import path  # noqa: F401  (the pages add their routes here)

app_name = "orglife"
urlpatterns: list = []

# 民主评议党员
from .evaluation_urls import urlpatterns as evaluation_urlpatterns  # noqa: E402

urlpatterns += evaluation_urlpatterns
