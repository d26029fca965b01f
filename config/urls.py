from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponse
from django.urls import include, path, re_path
from django.views.static import serve


def healthz(request):
    """200 when the database and the cache answer; 503 naming the one that does not."""
    failed = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        failed.append("database")
    try:
        cache.set("healthz", "ok", 10)
        if cache.get("healthz") != "ok":
            failed.append("cache")
    except Exception:
        failed.append("cache")
    body = "ok\n" if not failed else "failing: " + ", ".join(failed) + "\n"
    response = HttpResponse(body, content_type="text/plain", status=503 if failed else 200)
    response["Cache-Control"] = "no-store"
    return response


def serve_media(request, path):
    """Uploaded pictures, served by the site itself unless a web server or S3 does it."""
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError:  # a name the file system cannot even hold (too long, NUL byte…)
        raise Http404("No such file.") from None
    # Every stored name is unique and never reused: browsers and CDNs may keep it for good.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", include("accounts.urls")),  # the admin's login, with a second factor
    path("admin/", admin.site.urls),
    # Comments first: the blog's path URLs would otherwise take /<path>/comments/feed/.
    path("", include("comments.urls")),
    path("", include("blog.urls")),
]

if settings.BLOG_SERVE_MEDIA:
    urlpatterns.insert(1, re_path(r"^media/(?P<path>.*)$", serve_media))
