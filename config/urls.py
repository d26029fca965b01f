from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Comments first: the blog's path URLs would otherwise take /<path>/comments/feed/.
    path("", include("comments.urls")),
    path("", include("blog.urls")),
]
