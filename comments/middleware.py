"""What the comments app does on every request: keep a reader's held-comments cookie true."""

from .forms import HELD_COOKIE, held_comment_ids, remember_held


class HeldCommentsCookieMiddleware:
    """The cookie that shows a reader their comments awaiting moderation names only those still
    waiting: once a moderator has decided on one (approved, spam, removed), it leaves the
    cookie, and with the last one the cookie goes, so the reader's pages come from the caches
    again (a cookie kept for a year would keep them out of every cache for a year). One query,
    for readers with the cookie only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HELD_COOKIE in request.COOKIES and request.method in {"GET", "HEAD"}:
            from .models import Comment  # (models import the forms of this app)

            named = held_comment_ids(request)
            waiting = set(Comment.objects.filter(pk__in=named).held().values_list("pk", flat=True))
            if not waiting:
                response.delete_cookie(HELD_COOKIE, samesite="Lax")
            elif waiting != set(named):
                remember_held(request, response, [pk for pk in named if pk in waiting])
        return response
