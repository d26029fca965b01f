import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.feedgenerator import rfc2822_date
from taggit.models import Tag

from blog.models import Path, Post
from comments.models import Comment
from tooling import wxr

WORDPRESS_APPROVED = {
    Comment.Status.APPROVED: "1",
    Comment.Status.PENDING: "0",
    Comment.Status.SPAM: "spam",
    Comment.Status.REMOVED: "trash",
}
DATE = "%Y-%m-%d %H:%M:%S"


class Command(BaseCommand):
    help = "Write everything (posts, paths, tags, comments, authors) as a WXR 1.2 file."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument(
            "--site-url", default="http://localhost", help="The site's address, for links."
        )

    def handle(self, *args, output, site_url, **options):
        site_url = site_url.rstrip("/")
        nicenames = category_nicenames()
        items = (self.item(post, nicenames, site_url) for post in self.posts())
        authors = get_user_model().objects.filter(posts__isnull=False).distinct().order_by("pk")
        self.stdout.ending = ""  # the XML is written in pieces: no newline after each
        stream = open(output, "w", encoding="utf-8") if output else self.stdout  # noqa: SIM115
        try:
            wxr.write(
                stream,
                title=settings.BLOG_TITLE,
                link=site_url,
                description=settings.BLOG_DESCRIPTION,
                authors=[
                    wxr.Author(
                        user.username, user.email, user.public_name, user.first_name, user.last_name
                    )
                    for user in authors
                ],
                categories=[
                    wxr.Category(
                        nicenames[path.pk],
                        path.segment,
                        nicenames.get(path.parent_id, ""),
                        path.description,
                    )
                    for path in Path.objects.order_by("full_path")
                ],
                tags=list(Tag.objects.order_by("name").values_list("slug", "name")),
                items=items,
            )
        finally:
            if output:
                stream.close()
        if output:
            self.stderr.write(
                f"Wrote {self.posts_written} posts and {self.comments_written} "
                f"comments to {output}."
            )

    def posts(self):
        """Every post with its tags and comments, fetched 500 at a time."""
        comments = Comment.objects.order_by("created_at", "id")
        posts = (
            Post.objects.select_related("author", "path")
            .prefetch_related("tags", Prefetch("comments", queryset=comments))
            .order_by("published_at", "id")
        )
        self.posts_written = self.comments_written = 0
        for post in posts.iterator(chunk_size=500):
            self.posts_written += 1
            self.comments_written += len(post.comments.all())
            if self.posts_written % 1000 == 0:
                self.stderr.write(f"  posts: {self.posts_written}")
            yield post

    def item(self, post, nicenames, site_url):
        local = timezone.localtime(post.published_at)
        status = "draft" if post.status == Post.Status.DRAFT else "publish"
        if post.is_scheduled:
            status = "future"
        tags = sorted(post.tags.all(), key=lambda tag: tag.name)
        return {
            "title": post.title,
            "link": site_url + post.get_absolute_url(),
            "pub_date_rfc822": rfc2822_date(post.published_at),
            "creator": post.author.username,
            "guid": f"{site_url}/?p={post.pk}",
            "content": post.body_html,
            "excerpt": post.summary,
            "post_id": post.pk,
            "post_date": local.strftime(DATE),
            "post_date_gmt": post.published_at.astimezone(datetime.UTC).strftime(DATE),
            "comment_status": "open" if post.allow_comments else "closed",
            "post_name": post.slug,
            "status": status,
            "post_parent": 0,
            "post_type": "post",
            "categories": [
                ("category", nicenames[post.path_id], post.path.segment),
                *(("post_tag", tag.slug, tag.name) for tag in tags),
            ],
            "meta": {
                wxr.SOURCE_META: post.body,
                wxr.MARKUP_META: post.markup,
                wxr.SUMMARY_META: post.summary,
            },
            "comments": [self.comment(comment) for comment in post.comments.all()],
        }

    def comment(self, comment):
        return {
            "id": comment.pk,
            "author": comment.author_name,
            "author_email": comment.author_email,
            "author_url": comment.author_url,
            "author_IP": comment.ip_address or "",
            "date": timezone.localtime(comment.created_at).strftime(DATE),
            "date_gmt": comment.created_at.astimezone(datetime.UTC).strftime(DATE),
            "content": comment.body,
            "approved": WORDPRESS_APPROVED[comment.status],
            "type": "comment",
            "parent": comment.parent_id or 0,
            "meta": {wxr.MARKUP_META: comment.markup},
        }


def category_nicenames():
    """Path id → a nicename unique across the site, as WordPress wants them."""
    names, taken = {}, set()
    for pk, full_path in Path.objects.order_by("full_path").values_list("pk", "full_path"):
        base = full_path[1:].replace("/", "-").lower()
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name)
        names[pk] = name
    return names
