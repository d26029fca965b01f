"""Old addresses keep working: imported posts' former URLs and renamed paths answer 301."""

from django.http import HttpResponsePermanentRedirect

from .models import LegacyUrl, PathRedirect


def legacy_target(request):
    """Where an address that the site does not know now lives, or None."""
    if request.path == "/" and request.GET.get("p", "").isdigit():
        old = f"/?p={request.GET['p']}"  # WordPress's short link
    else:
        old = request.path
    legacy = LegacyUrl.objects.filter(old_url__in={old, old.rstrip("/"), old.rstrip("/") + "/"})
    legacy = legacy.select_related("post").first()
    if legacy is not None and legacy.post.is_published:
        return legacy.post.get_absolute_url()
    # A renamed or moved path: the longest former path that the address starts with.
    segments = request.path.strip("/").split("/")
    prefixes = ["/" + "/".join(segments[:depth]) for depth in range(len(segments), 0, -1)]
    moved = (
        PathRedirect.objects.filter(old_full_path__in=prefixes)
        .select_related("path")
        .order_by("-old_full_path")
    )
    for redirect in moved:
        if redirect.path.full_path != redirect.old_full_path:
            return redirect.path.full_path + request.path[len(redirect.old_full_path) :]
    return None


class LegacyUrlMiddleware:
    """After a 404 (and for /?p=ID), look the address up among the old ones."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.path == "/" and "p" in request.GET:
            target = legacy_target(request)
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            target = legacy_target(request)
            if target:
                return HttpResponsePermanentRedirect(target)
        return response
