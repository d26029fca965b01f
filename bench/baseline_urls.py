from django.urls import include, path

from . import baseline_views

urlpatterns = [
    path("_bench/render/", baseline_views.render_ceiling),
    path("_bench/floor/", baseline_views.request_floor),
    path("", include("config.urls")),
]
