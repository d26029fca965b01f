from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    # Comments first: the blog's path URLs would otherwise take /<path>/comments/feed/.
    path("", include("comments.urls")),
    path("", include("blog.urls")),
]


def serve_media(request, path):
    """Uploaded pictures, served by the site itself unless a web server or S3 does it."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.BLOG_SERVE_MEDIA:
    urlpatterns.insert(1, re_path(r"^media/(?P<path>.*)$", serve_media))
