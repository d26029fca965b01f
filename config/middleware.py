"""Site-wide request handling that belongs to no app: request logs and the admin's CSP."""

import logging
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponseBadRequest
from django.shortcuts import render

logger = logging.getLogger("blog.requests")

ADMIN_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # Django's admin templates use style attributes
        f"img-src 'self' data: {settings.MEDIA_ORIGIN}".strip(),
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'self'",  # the admin opens related objects in frames of its own
        "form-action 'self'",
    ]
)


class RequestLogMiddleware:
    """One line per request: method, path, status, milliseconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        milliseconds = (time.perf_counter() - started) * 1000
        logger.info(
            "%s %s %s %.1fms",
            request.method,
            request.get_full_path()[:500],
            response.status_code,
            milliseconds,
            extra={"status": response.status_code, "duration_ms": round(milliseconds, 1)},
        )
        return response


class RefuseNulBytesMiddleware:
    """A NUL byte has no place in an address; PostgreSQL cannot even compare one, so such
    requests get a plain 400 before any view or lookup sees them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query_values = (value for values in request.GET.lists() for value in values[1])
        if "\x00" in request.path or any("\x00" in value for value in query_values):
            return HttpResponseBadRequest("NUL bytes are not allowed in addresses.\n")
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """While the database is unreachable (a restart, a failover), answer 503 at once, with
    Retry-After, instead of a 500; health-checked connections bring workers back by themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Database unavailable for %s: %s", request.path, exception)
        # A form sent just now comes back with everything in it, ready to send again.
        fields = [
            (name, value)
            for name, values in request.POST.lists()
            if name != "csrfmiddlewaretoken"
            for value in values
        ]
        response = render(
            request,
            "503.html",
            {"fields": fields, "action": request.get_full_path()},
            status=503,
        )
        response["Retry-After"] = "10"
        response["Cache-Control"] = "no-store"
        return response


class AdminContentSecurityPolicyMiddleware:
    """The admin's policy: as strict as the public one but for inline styles."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/admin/"):
            response.setdefault("Content-Security-Policy", ADMIN_POLICY)
        return response
