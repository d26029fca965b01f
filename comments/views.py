import datetime
import hashlib
import logging
import re
from contextlib import contextmanager, suppress

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import InvalidPage
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe

from blog.fragments import cached_html, digest_key, template_digest
from blog.models import Path, Post, comments_cache_key, post_cache_key
from blog.pagination import page_or_404
from blog.views import post_detail
from config.client_address import client_address
from pagecache import keep_fragments, kept_fragments

from .forms import CommentForm, held_comment_ids, remember_commenter
from .models import Comment, ModerationRule, Rejected
from .subscription_views import follow_from_comment
from .threads import KEY_FIELDS, thread_page

logger = logging.getLogger(__name__)


@require_POST
def post_comment(request, year, month, day, slug):
    posts = Post.objects.readable().at(year, month, day, slug).select_related("author", "path")
    post = get_object_or_404(posts)
    form = CommentForm(request.POST, post=post, request=request)
    if not post.comments_are_open:
        context = {"post": post, "body": request.POST.get("body", "")}
        return render(request, "comments/closed.html", context, status=403)
    if not form.is_valid():
        return show_form_again(request, post, form)
    is_preview = "preview" in request.POST
    if exceeds_rate(request, form.cleaned_data["author_email"], previews=is_preview):
        form.add_error(
            None,
            "You have sent several comments in a short time, so this one was not stored. "
            "Please wait a few minutes and send it again; your text is kept below.",
        )
        return show_form_again(request, post, form, status=429)
    comment = form.save(commit=False)
    comment.post = post
    comment.render()  # once: moderation reads the HTML, and save() keeps it
    if is_preview:
        return show_form_again(request, post, form, preview=comment)
    comment.user = request.user if request.user.is_authenticated else None
    comment.ip_address = client_address(request) or None
    comment.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    comment.attach_to(form.cleaned_data["parent"], settings.COMMENTS_MAX_DEPTH)
    try:
        comment.moderate(list(ModerationRule.objects.all()))
    except Rejected as refusal:
        form.add_error(
            None, f"{refusal} It contains something this site's moderators do not accept."
        )
        return show_form_again(request, post, form, status=400)
    earlier = earlier_copy(comment)
    if earlier is not None:  # sent twice: the first copy stands
        return redirect(earlier.get_absolute_url() if earlier.pk else post.get_absolute_url())
    with claimed(comment):
        comment.save()
    comment.notify_post_author(f"{request.scheme}://{request.get_host()}")  # queued
    follow_from_comment(request, form, comment)
    # To the page it is on for this reader, who sees their own held comments too.
    seen_held = [*held_comment_ids(request), comment.pk] if comment.is_held else []
    response = redirect(f"{comment.page_url(seen_held)}#comment-{comment.pk}")
    remember_commenter(response, request, form, comment)
    return response


PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,6}")  # one address per page: not 02, +2 or ²


@require_safe
def comment_page(request, year, month, day, slug, number):
    """Page 2 and on of a post's comments: the permalink page with that page of threads (the
    first is the permalink itself)."""
    if not PAGE_NUMBER.fullmatch(number):
        raise Http404("No such page of comments.")
    posts = Post.objects.published().at(year, month, day, slug)
    post = get_object_or_404(posts.only("pk", "kind", "pub_date", "slug", *KEY_FIELDS))
    if number == "1":
        return redirect(post.get_absolute_url(), permanent=True)
    try:
        page = thread_page(post, int(number), held_comment_ids(request))
    except InvalidPage:
        raise Http404("No such page of comments.") from None
    return post_detail(request, year, month, day, slug, extra_context={"comment_page": page})


def add_recent_html(comments):
    """Give each comment of the recent comments page its rendered item as `recent_html`: kept
    whole until its post's comments or the post change (pagecache.kept_fragments: none of
    them read again), else read with its post and its place in the threads and found in the
    cache under a digest of everything it shows (blog.fragments), else rendered."""
    code = template_digest("comments/_recent_comment.html")
    zone = timezone.get_current_timezone_name()
    names = {comment.pk: f"recent-comment:{comment.pk}:{code}:{zone}" for comment in comments}
    kept = kept_fragments(list(names.values()))
    for comment in comments:
        if names[comment.pk] in kept:
            comment.recent_html = mark_safe(kept[names[comment.pk]])  # our template's output
    missing = [comment for comment in comments if not hasattr(comment, "recent_html")]
    if not missing:
        return
    full = (
        Comment.objects.filter(pk__in=[comment.pk for comment in missing])
        .select_related("post")
        .with_thread_position()
        .in_bulk()
    )
    for comment in missing:
        comment.recent_html = digest_recent_html(full[comment.pk], code, zone)
    keep_fragments(
        {
            names[comment.pk]: (
                str(comment.recent_html),
                {comments_cache_key(comment.post_id), post_cache_key(comment.post_id)},
            )
            for comment in missing
        }
    )


def digest_recent_html(comment, code, zone):
    """One item of the recent comments, from the cache under a digest of what it shows."""

    def key(comment):
        shown = (comment.pk, comment.author_name, comment.created_at, comment.body_html)
        return digest_key(
            "recent-comment",
            (code, zone, shown, comment.get_absolute_url(), comment.post.display_title),
        )

    cached_html(
        [comment],
        key=key,
        render=lambda comment: render_to_string(
            "comments/_recent_comment.html", {"comment": comment}
        ),
        attribute="recent_html",
    )
    return comment.recent_html


def show_form_again(request, post, form, *, preview=None, status=200):
    """The comment form as it was sent, with its errors (or the reason it was refused) or a
    preview of the comment: nothing the reader typed is lost."""
    if form.token_is_stale:
        form.renew_token()
    return render(
        request,
        "comments/comment_form.html",
        {"post": post, "form": form, "preview": preview},
        status=status,
    )


def fingerprint(comment):
    text = f"{comment.post_id}\n{comment.author_email.lower()}\n{comment.body}"
    return f"comments:sent:{hashlib.sha256(text.encode()).hexdigest()}"


def earlier_copy(comment):
    """The same text on the same post from the same email, stored a moment ago (a double click
    or a resend), or an unsaved stand-in while a concurrent request is storing it; else None."""
    since = timezone.now() - datetime.timedelta(seconds=settings.COMMENTS_DUPLICATE_WINDOW)
    stored = Comment.objects.filter(
        post=comment.post,
        author_email__iexact=comment.author_email,
        body=comment.body,
        created_at__gte=since,
    ).first()
    if stored is not None:
        return stored
    try:
        is_in_flight = cache.get(fingerprint(comment)) is not None
    except Exception:
        logger.warning("Cache unavailable: duplicate comments are checked in the database only")
        return None
    return Comment(post=comment.post) if is_in_flight else None


@contextmanager
def claimed(comment):
    """Mark this text as being stored, so that a concurrent copy (a double click) is not stored
    too; a failed save releases the mark, so the reader can send it again."""
    key = fingerprint(comment)
    try:
        cache.set(key, 1, settings.COMMENTS_DUPLICATE_WINDOW)
    except Exception:
        logger.warning("Cache unavailable: concurrent duplicate comments are not checked")
    try:
        yield
    except BaseException:
        with suppress(Exception):
            cache.delete(key)
        raise


def exceeds_rate(request, email, *, previews=False):
    """Count this comment (or preview) against the client's address and the email; True past
    the limit. The site's own staff replying on the site are not limited."""
    if request.user.is_authenticated and request.user.is_staff:
        return False
    if previews:
        keys = [f"comments:previews:ip:{client_address(request)}"]
        limit = settings.COMMENTS_PREVIEW_LIMIT
    else:
        keys = [
            f"comments:flood:ip:{client_address(request)}",
            f"comments:flood:email:{email.lower()}",
        ]
        limit = settings.COMMENTS_FLOOD_LIMIT
    try:
        counts = []
        for key in keys:
            cache.add(key, 0, settings.COMMENTS_FLOOD_WINDOW)
            counts.append(cache.incr(key))
    except Exception:
        logger.warning("Cache unavailable: the comment flood limit is not applied")
        return False
    return max(counts) > limit


@require_safe
def recent_comments(request):
    # Only which comments are on the page; what each shows is kept (add_recent_html).
    comments = Comment.objects.public().recent().only("pk", "post_id")
    posts = Post.objects.published()
    path = request.GET.get("path", "").strip()
    if path:
        place = get_object_or_404(Path, full_path="/" + path.strip("/"))
        comments = comments.under(place)
        posts = posts.under(place)
        if not posts.exists():  # a path of drafts only is not public, nor is its name
            raise Http404("Nothing published here.")
    page = page_or_404(
        request,
        comments,
        settings.COMMENTS_PER_PAGE,
        count_scope="content",
        # Each post keeps the number of its approved comments: adding those up reads the posts
        # (100,000 rows) instead of a million comments.
        count_with=lambda: posts.aggregate(total=Coalesce(Sum("comment_count"), 0))["total"],
    )
    add_recent_html(page.object_list)
    return render(
        request,
        "comments/comment_list.html",
        {"page": page, "comments": page.object_list, "path": path and "/" + path.strip("/")},
    )
