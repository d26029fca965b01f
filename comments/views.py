import datetime
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from blog.models import Path, Post
from blog.views import page_or_404, published_post_or_404, render_post_page

from .forms import CommentForm, issue_token, remember_commenter
from .models import Comment, ModerationRule, Rejected

logger = logging.getLogger(__name__)


@require_POST
def post_comment(request, year, month, day, slug):
    post = published_post_or_404(year, month, day, slug)
    if not post.comments_are_open:
        return render(request, "comments/closed.html", {"post": post}, status=403)
    form = CommentForm(request.POST, post=post)
    if not form.is_valid() or "preview" in request.POST:
        return show_form_again(request, post, form)
    comment = form.save(commit=False)
    comment.post = post
    comment.user = request.user if request.user.is_authenticated else None
    comment.ip_address = request.META.get("REMOTE_ADDR")
    comment.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    comment.attach_to(form.cleaned_data["parent"], settings.COMMENTS_MAX_DEPTH)
    comment.render()
    try:
        comment.moderate(list(ModerationRule.objects.all()))
    except Rejected as refusal:
        return render(
            request, "comments/refused.html", {"post": post, "reason": refusal}, status=400
        )
    earlier = earlier_copy(comment)
    if earlier is not None:
        return redirect(earlier.get_absolute_url() if earlier.pk else post.get_absolute_url())
    if is_flooding(comment):
        return render(request, "comments/flood.html", {"post": post}, status=429)
    comment.save()
    site_url = f"{request.scheme}://{request.get_host()}"
    transaction.on_commit(lambda: comment.notify_post_author(site_url))
    response = redirect(comment.get_absolute_url())
    remember_commenter(response, request, form, comment)
    return response


def show_form_again(request, post, form):
    """The permalink with the form as it was sent: its errors, or a preview of the comment."""
    if form.token_is_stale:
        form.data = form.data.copy()
        form.data["issued"] = issue_token(post)
    preview = None
    if form.is_valid():
        preview = Comment(
            body=form.cleaned_data["body"], author_name=form.cleaned_data["author_name"]
        )
        preview.render()
    return render_post_page(request, post, comment_form=form, comment_preview=preview)


def earlier_copy(comment):
    """The same text on the same post from the same email, sent a moment ago (a double click
    or a resend), or None. A copy still being saved by a concurrent request counts too."""
    since = timezone.now() - datetime.timedelta(seconds=settings.COMMENTS_DUPLICATE_WINDOW)
    stored = Comment.objects.filter(
        post=comment.post,
        author_email__iexact=comment.author_email,
        body=comment.body,
        created_at__gte=since,
    ).first()
    if stored is not None:
        return stored
    fingerprint = hashlib.sha256(
        f"{comment.post_id}\n{comment.author_email.lower()}\n{comment.body}".encode()
    ).hexdigest()
    try:
        is_first = cache.add(f"comments:sent:{fingerprint}", 1, settings.COMMENTS_DUPLICATE_WINDOW)
    except Exception:
        logger.warning("Cache unavailable: duplicate comments are checked in the database only")
        return None
    return None if is_first else Comment(post=comment.post)


def is_flooding(comment):
    """Count this comment against its IP address and its email; True past the limit."""
    keys = [
        f"comments:flood:ip:{comment.ip_address}",
        f"comments:flood:email:{comment.author_email.lower()}",
    ]
    try:
        counts = []
        for key in keys:
            cache.add(key, 0, settings.COMMENTS_FLOOD_WINDOW)
            counts.append(cache.incr(key))
    except Exception:
        logger.warning("Cache unavailable: the comment flood limit is not applied")
        return False
    return max(counts) > settings.COMMENTS_FLOOD_LIMIT


@require_GET
def recent_comments(request):
    comments = Comment.objects.approved().on_published_posts().select_related("post").recent()
    posts = Post.objects.published()
    path = request.GET.get("path", "").strip()
    if path:
        place = get_object_or_404(Path, full_path="/" + path.strip("/"))
        comments = comments.under(place)
        posts = posts.under(place)
    page = page_or_404(
        request,
        comments,
        settings.COMMENTS_PER_PAGE,
        count_scope="content",
        # Each post keeps the number of its approved comments: adding those up reads the posts
        # (100,000 rows) instead of a million comments.
        count_with=lambda: posts.aggregate(total=Coalesce(Sum("comment_count"), 0))["total"],
    )
    return render(
        request,
        "comments/comment_list.html",
        {"page": page, "comments": page.object_list, "path": path and "/" + path.strip("/")},
    )
