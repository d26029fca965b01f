import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.feedgenerator import rfc2822_date
from taggit.models import Tag

from blog.models import Path, PathRedirect, Post, TagRedirect
from comments.models import Comment
from tooling import wxr

# Our states as WordPress's post statuses; Unlisted has none (private, plus our meta).
WORDPRESS_STATUS = {
    Post.State.DRAFT: "draft",
    Post.State.PENDING: "pending",
    Post.State.SCHEDULED: "future",
    Post.State.PUBLISHED: "publish",
    Post.State.UNLISTED: "private",
}
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
        self.host = urlsplit(site_url).hostname or "localhost"
        nicenames = category_nicenames()
        # Attachments take ids after the posts' (WordPress numbers both in one sequence).
        self.first_picture_id = (Post.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
        items = (
            entry
            for post in self.posts()
            for entry in (self.item(post, nicenames, site_url), *self.pictures(post, site_url))
        )
        merged = {}  # tag id → its other slugs on the blog it was imported from
        for old, tag_id in TagRedirect.objects.order_by("old_slug").values_list("old_slug", "tag"):
            merged.setdefault(tag_id, []).append(old)
        old_paths = {}
        for old, path_id in PathRedirect.objects.order_by("old_full_path").values_list(
            "old_full_path", "path"
        ):
            old_paths.setdefault(path_id, []).append(old)
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
                        meta={
                            wxr.TITLE_META: path.title,
                            wxr.OLD_URLS_META: "\n".join(old_paths.get(path.pk, [])),
                        },
                    )
                    for path in Path.objects.order_by("full_path")
                ],
                tags=[
                    (slug, name, {wxr.OLD_URLS_META: "\n".join(merged[pk])} if pk in merged else {})
                    for pk, slug, name in Tag.objects.order_by("name").values_list(
                        "pk", "slug", "name"
                    )
                ],
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
            .prefetch_related(
                "tags", "images", "legacy_urls", Prefetch("comments", queryset=comments)
            )
            .order_by("kind", "page_path", "published_at", "id")  # pages after their parents
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
        status = WORDPRESS_STATUS[post.current_state]
        tags = sorted(post.tags.all(), key=lambda tag: tag.name)
        categories = (
            [] if post.is_page else [("category", nicenames[post.path_id], post.path.segment)]
        )
        meta = {
            wxr.SOURCE_META: post.body,
            wxr.MARKUP_META: post.markup,
            wxr.SUMMARY_META: post.summary,
        }
        if post.status == Post.Status.UNLISTED:
            meta[wxr.STATE_META] = Post.State.UNLISTED.value
        old_urls = sorted(legacy.old_url for legacy in post.legacy_urls.all())
        if old_urls:
            meta[wxr.OLD_URLS_META] = "\n".join(old_urls)
        return {
            "title": post.title,
            "link": site_url + post.get_absolute_url(),
            "pub_date_rfc822": rfc2822_date(post.published_at),
            "creator": post.author.username,
            "guid": post.feed_id(self.host),  # what its feeds call it, kept by the import
            "content": post.body_html,
            "excerpt": post.summary,
            "post_id": post.pk,
            "post_date": local.strftime(DATE),
            "post_date_gmt": post.published_at.astimezone(datetime.UTC).strftime(DATE),
            "comment_status": "open" if post.allow_comments else "closed",
            "post_name": post.slug,
            "status": status,
            "post_parent": post.parent_id or 0,
            "post_type": post.kind,
            "menu_order": post.menu_order,
            "is_sticky": int(post.pinned),
            "categories": [*categories, *(("post_tag", tag.slug, tag.name) for tag in tags)],
            "meta": meta,
            "comments": [self.comment(comment) for comment in post.comments.all()],
        }

    def pictures(self, post, site_url):
        """The post's pictures as WordPress attachments: the original file's address (for
        import_wxr --media-dir or --fetch-media), alt text as title, caption as excerpt."""
        for picture in post.images.all():
            url = picture.original.url
            local = timezone.localtime(picture.created_at)
            yield {
                "title": picture.alt,
                "link": site_url + post.get_absolute_url(),
                "pub_date_rfc822": rfc2822_date(picture.created_at),
                "creator": post.author.username,
                "guid": url if "://" in url else site_url + url,
                "content": "",
                "excerpt": picture.caption,
                "post_id": self.first_picture_id + picture.pk,
                "post_date": local.strftime(DATE),
                "post_date_gmt": picture.created_at.astimezone(datetime.UTC).strftime(DATE),
                "comment_status": "closed",
                "post_name": f"picture-{picture.pk}",
                "status": "inherit",
                "post_parent": post.pk,
                "post_type": "attachment",
                "menu_order": picture.order,
                "attachment_url": url if "://" in url else site_url + url,
                "categories": [],
                # Its number and renditions' addresses, for the body's references to them.
                "meta": {
                    wxr.IMAGE_META: "\n".join(
                        [str(picture.pk), *(stored.url for stored in picture.files)]
                    )
                },
                "comments": [],
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
