"""The pages the benchmark and the plan printer measure, picked from whatever data is loaded."""

import datetime

from django.conf import settings
from django.db.models import F, Func

from blog.models import Path, Post, TaggedPost
from comments.models import Comment


def page_urls():
    published = Post.objects.published()
    newest = published.first()
    # The permalink "with 50 comments": the published post whose count is nearest 50.
    busy = (
        published.annotate(distance=Func(F("comment_count") - 50, function="ABS"))
        .order_by("distance", "-published_at")
        .first()
    )
    # The post everyone comments on: its second page of threads when it has one.
    busiest = published.order_by("-comment_count", "-published_at").first()
    deepest = max(Path.objects.values_list("full_path", flat=True), key=lambda p: p.count("/"))
    tag = TaggedPost.objects.values_list("tag__slug", flat=True).order_by("tag__slug").first()
    day = newest.pub_date
    urls = {
        "front page": "/",
        "permalink (with comments)": busy.get_absolute_url(),
        "busiest permalink": busiest.get_absolute_url(),
        "year archive": f"/{day:%Y}/",
        "day archive": f"/{day:%Y/%m/%d}/",
        "deep path listing": f"{deepest}/",
        "tag page": f"/tags/{tag}/",
        "author page": newest.author.get_absolute_url(),
        "recent comments": "/comments/",
        "posts feed": "/feed/",
        "comments feed": "/comments/feed/",
        "search": "/search/?q=release+notes",
        "last page of front page": f"/?page={max(1, (published.count() + 19) // 20)}",
    }
    threads = Comment.objects.approved().filter(post=busiest).top_level().count()
    if threads > settings.COMMENTS_THREADS_PER_PAGE > 0:
        urls["busiest permalink, comment page 2"] = f"{busiest.get_absolute_url()}comment-page-2/"
    return urls


def post_with_comments(count):
    """The address of a published post open for comments holding `count` approved comments
    (about: the one nearest it), topped up with generated comments when none has that many.
    The comment-stream test of bench/run.py posts to it."""
    from django.db import transaction
    from django.utils import timezone

    from comments.models import refresh_comment_counts

    post = (
        Post.objects.published()
        .filter(allow_comments=True)
        .annotate(distance=Func(F("comment_count") - count, function="ABS"))
        .order_by("distance", "-published_at")
        .first()
    )
    missing = count - post.comment_count
    if missing > 0:
        start = timezone.now() - datetime.timedelta(days=1)
        made = [
            Comment(
                post=post,
                author_name=f"Reader {number}",
                author_email=f"reader{number}@example.com",
                body=f"Comment number {number} on this post.",
                body_html=f"<p>Comment number {number} on this post.</p>",
                created_at=start + datetime.timedelta(seconds=number),
                status=Comment.Status.APPROVED,
            )
            for number in range(missing)
        ]
        with transaction.atomic():
            Comment.objects.bulk_create(made, batch_size=1000)
            refresh_comment_counts([post.pk])
    return post.get_absolute_url()
