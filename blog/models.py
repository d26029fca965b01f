import datetime
import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Lookup, Q
from django.db.models.functions import Concat, Substr, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from .markup import MORE_MARKER, render_post

SHARE_SALT = "blog.shared-draft"
WORDS_PER_MINUTE = 230

SEGMENT_PATTERN = re.compile(r"^[A-Za-z0-9._-]+$")
# First segments that the site's own URLs use; a path there would hide a page or be hidden by it.
RESERVED_FIRST_SEGMENTS = {
    "accounts",
    "admin",
    "authors",
    "comments",
    "drafts",
    "feed",
    "feeds",
    "healthz",
    "media",
    "robots.txt",
    "search",
    "sitemap.xml",
    "static",
    "tags",
}
# Words that follow a path in its own URLs (/<path>/feed/, /<path>/comments/feed/).
RESERVED_SEGMENTS = {"feed", "comments"}
MAX_PATH_LENGTH = 255


def validate_segment(segment, *, is_first=False):
    """Raise ValidationError unless `segment` may be one part of a path."""
    if not segment:
        raise ValidationError("A path cannot have an empty part (two slashes in a row).")
    if not SEGMENT_PATTERN.match(segment):
        raise ValidationError(
            f"“{segment}” may only use letters, digits, “-”, “_” and “.”.", code="invalid"
        )
    if set(segment) == {"."}:
        raise ValidationError(f"“{segment}” is not allowed as a part of a path.", code="invalid")
    if segment.isdigit():
        raise ValidationError(
            f"“{segment}” is only digits, which the site's date URLs use; add a letter.",
            code="reserved",
        )
    if segment.lower() in RESERVED_SEGMENTS or (
        is_first and segment.lower() in RESERVED_FIRST_SEGMENTS
    ):
        raise ValidationError(f"“{segment}” is used by the site's own URLs.", code="reserved")


def split_path(full_path):
    """Validate a path written as text ('/openstack/kilo') and return its segments."""
    text = full_path.strip()
    if not text.startswith("/"):
        raise ValidationError("A path starts with “/”, e.g. /diary/pictures.", code="invalid")
    segments = text[1:].removesuffix("/").split("/")
    for index, segment in enumerate(segments):
        validate_segment(segment, is_first=index == 0)
    if len(text) > MAX_PATH_LENGTH:
        raise ValidationError(f"A path is at most {MAX_PATH_LENGTH} characters long.")
    return segments


class Within(Lookup):
    """`full_path__within="/open"`: /open itself and every path below it, but not /openstack.

    Case-sensitive on every database (SQLite's LIKE is not), and served by the column's index.
    """

    lookup_name = "within"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        pattern = connection.ops.prep_for_like_query(self.rhs) + "/%"
        return f"({column} = %s OR {column} LIKE %s)", [*params, self.rhs, *params, pattern]

    def as_sqlite(self, compiler, connection):
        # "/" sorts just before "0" in binary order, so the range is exactly the subtree.
        column, params = self.process_lhs(compiler, connection)
        sql = f"({column} = %s OR ({column} > %s AND {column} < %s))"
        return sql, [*params, self.rhs, *params, self.rhs + "/", *params, self.rhs + "0"]


class PathQuerySet(models.QuerySet):
    def subtree(self, full_path):
        """This path and every path below it (not prefix siblings: /open is not /openstack)."""
        return self.filter(full_path__within=full_path)


class PathManager(models.Manager.from_queryset(PathQuerySet)):
    def with_ancestors(self, full_path):
        """[outermost ancestor, …, the path itself] in one query; DoesNotExist if it is absent."""
        segments = full_path[1:].split("/")
        prefixes = ["/" + "/".join(segments[: depth + 1]) for depth in range(len(segments))]
        chain = list(self.filter(full_path__in=prefixes).order_by("full_path"))
        if not chain or chain[-1].full_path != full_path:
            raise self.model.DoesNotExist(f"No path {full_path}")
        return chain

    def ensure(self, full_path):
        """The Path for `full_path`, created with any missing ancestors."""
        parent = None
        for segment in split_path(full_path):
            parent, _ = self.get_or_create(parent=parent, segment=segment)
        return parent


class Path(models.Model):
    """A place in the blog's hierarchy, e.g. /openstack/kilo; posts are filed under one."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    segment = models.CharField(max_length=100)
    full_path = models.CharField(max_length=MAX_PATH_LENGTH, unique=True, editable=False)
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)

    objects = PathManager()

    class Meta:
        ordering = ["full_path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "segment"], name="unique_segment_per_parent"),
        ]

    def __str__(self):
        return self.full_path

    def save(self, *args, **kwargs):
        old_full_path = self.full_path
        self.full_path = self._computed_full_path()
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_full_path and old_full_path != self.full_path:
                # A rename or move carries every descendant's stored path along.
                Path.objects.subtree(old_full_path).exclude(pk=self.pk).update(
                    full_path=Concat(
                        models.Value(self.full_path),
                        Substr("full_path", len(old_full_path) + 1),
                    )
                )

    def get_absolute_url(self):
        return reverse("blog:path-detail", kwargs={"path": self.full_path[1:]})

    def clean(self):
        try:
            validate_segment(self.segment, is_first=self.parent_id is None)
        except ValidationError as error:
            raise ValidationError({"segment": error}) from None
        full_path = self._computed_full_path()
        if Path.objects.filter(full_path=full_path).exclude(pk=self.pk).exists():
            raise ValidationError({"segment": f"The path {full_path} exists already."})

    def _computed_full_path(self):
        return f"{self.parent.full_path if self.parent_id else ''}/{self.segment}"

    @property
    def name(self):
        return self.title or self.segment

    def subpaths_with_counts(self):
        """The paths just below this one that hold published posts, each with the number of
        published posts in its whole subtree; one query."""
        counts = (
            Post.objects.published()
            .under(self)
            .exclude(path=self)
            .values_list("path__full_path")
            .annotate(count=Count("id"))
            .order_by()
        )
        totals = {}
        depth = self.full_path.count("/")
        for full_path, count in counts:
            child = "/".join(full_path.split("/")[: depth + 2])
            totals[child] = totals.get(child, 0) + count
        return [Subpath(full_path, totals[full_path]) for full_path in sorted(totals)]


@dataclass(frozen=True)
class Subpath:
    full_path: str
    post_count: int

    @property
    def url(self):
        return reverse("blog:path-detail", kwargs={"path": self.full_path[1:]})


Path._meta.get_field("full_path").register_lookup(Within)


class PostQuerySet(models.QuerySet):
    def published(self):
        """Visible to readers: published, and not scheduled for later."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=timezone.now())

    def under(self, path):
        """Filed under `path` (a Path or its text) or any path below it."""
        full_path = path.full_path if isinstance(path, Path) else path.rstrip("/")
        return self.filter(path__full_path__within=full_path)

    def tagged(self, *tag_slugs):
        """Carrying every one of the given tags."""
        queryset = self
        for slug in tag_slugs:
            queryset = queryset.filter(tagged_items__tag__slug=slug)
        return queryset

    def by(self, author):
        return self.filter(author=author)

    def month_counts(self, year):
        """[(first day of month, number of posts)] for the months of `year` that have posts."""
        return list(
            self.filter(pub_date__year=year)
            .annotate(month=TruncMonth("pub_date"))
            .values_list("month")
            .annotate(count=Count("id"))
            .order_by("month")
        )


class TaggedPostQuerySet(models.QuerySet):
    def counts_of_published(self):
        """Every tag on a published post, with its number of published posts, by name."""
        return (
            self.filter(content_object__in=Post.objects.published())
            .values("tag__name", "tag__slug")
            .annotate(count=Count("id"))
            .order_by("tag__name")
        )


class TaggedPost(TaggedItemBase):
    content_object = models.ForeignKey(
        "Post", on_delete=models.CASCADE, related_name="tagged_items"
    )

    objects = TaggedPostQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="unique_tag_per_post"),
        ]


def unique_slug(base, is_taken):
    """`base`, or `base-2`, `base-3`… : the first candidate for which is_taken() is false."""
    candidate, number = base, 1
    while is_taken(candidate):
        number += 1
        candidate = f"{base[: 200 - len(str(number)) - 1]}-{number}"
    return candidate


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=200,
        blank=True,
        help_text="Part of the permanent link; made from the title when left empty.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    path = models.ForeignKey(Path, on_delete=models.PROTECT, related_name="posts")
    tags = TaggableManager(through=TaggedPost, blank=True)
    body = models.TextField(blank=True, help_text="Markdown. Put <!--more--> after the excerpt.")
    body_html = models.TextField(blank=True, editable=False)
    excerpt_html = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        default=timezone.now,
        db_index=True,
        help_text="A time in the future schedules the post: readers see it from then on.",
    )
    pub_date = models.DateField(editable=False, help_text="Day of publication, site time zone.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    allow_comments = models.BooleanField(default=True)
    comment_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Approved comments; kept by the comments app."
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who saved this version.",
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        constraints = [
            models.UniqueConstraint(fields=["pub_date", "slug"], name="unique_slug_per_day"),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="post_listing"),
            models.Index(fields=["path", "status", "-published_at"], name="post_path_listing"),
            models.Index(fields=["author", "status", "-published_at"], name="post_author_listing"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if self.pk:
                self._keep_previous_version()
            return self._save_with_free_slug(*args, **kwargs)

    def get_absolute_url(self):
        day = self.pub_date
        return reverse(
            "blog:post-detail",
            kwargs={"year": day.year, "month": f"{day:%m}", "day": f"{day:%d}", "slug": self.slug},
        )

    def _keep_previous_version(self):
        """A revision of the stored title and body, when this save changes either."""
        previous = (
            Post.objects.filter(pk=self.pk)
            .values("title", "body", "edited_by", "updated_at")
            .first()
        )
        if previous and (previous["title"], previous["body"]) != (self.title, self.body):
            PostRevision.objects.create(
                post=self,
                title=previous["title"],
                body=previous["body"],
                edited_by_id=previous["edited_by"],
                edited_at=previous["updated_at"],
            )

    def _save_with_free_slug(self, *args, **kwargs):
        self.pub_date = timezone.localdate(self.published_at)
        base = self.slug or slugify(self.title)[:200].strip("-") or "post"
        for _attempt in range(5):
            self.slug = unique_slug(base, self._slug_is_taken)
            self.render()
            try:
                # A savepoint: losing a race for the slug leaves the outer transaction usable.
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except IntegrityError:
                if not self._slug_is_taken(self.slug):
                    raise
                kwargs.pop("force_insert", None)
        raise IntegrityError(f"No free slug for {base!r} on {self.pub_date} after 5 attempts.")

    def _slug_is_taken(self, slug):
        return Post.objects.filter(pub_date=self.pub_date, slug=slug).exclude(pk=self.pk).exists()

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    @property
    def has_excerpt(self):
        return bool(self.excerpt_html)

    @property
    def state(self):
        """What readers can see of it: Draft, Scheduled or Published."""
        if self.status == self.Status.DRAFT:
            return "Draft"
        return "Scheduled" if self.published_at > timezone.now() else "Published"

    @property
    def word_count(self):
        return len(MORE_MARKER.sub(" ", self.body).split())

    @property
    def reading_minutes(self):
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))

    def share_token(self):
        """A signed token that shows this post, unpublished, to whoever holds the link."""
        return signing.dumps(self.pk, salt=SHARE_SALT)

    def get_share_url(self):
        return reverse("blog:shared-draft", kwargs={"token": self.share_token()})

    @property
    def comments_are_open(self):
        days = settings.COMMENTS_CLOSE_AFTER_DAYS
        if not self.allow_comments:
            return False
        return days is None or self.published_at > timezone.now() - datetime.timedelta(days=days)

    def render(self):
        """Fill the derived fields (day, HTML) from the fields an author writes."""
        self.pub_date = timezone.localdate(self.published_at)
        rendered = render_post(self.body, id_prefix=f"{self.pub_date:%Y%m%d}-{self.slug}-")
        self.body_html, self.excerpt_html = rendered.html, rendered.excerpt_html

    def related_posts(self, limit=6):
        """Other published posts sharing the most tags (ties: newer first), each with
        `shared_tags`. Uses the post's prefetched tags."""
        tags = list(self.tags.all())
        if not tags:
            return []
        related = list(
            Post.objects.published()
            .exclude(pk=self.pk)
            .filter(tagged_items__tag__in=tags)
            .annotate(shared=Count("tagged_items"))
            .order_by("-shared", "-published_at", "-id")
            .select_related("path")
            .prefetch_related("tags")[:limit]
        )
        for post in related:
            post.shared_tags = sorted((t for t in post.tags.all() if t in tags), key=str)
        return related

    def neighbour(self, *, newer):
        """The next newer (or older) published post, or None."""
        if newer:
            after = Q(published_at__gt=self.published_at) | Q(
                published_at=self.published_at, id__gt=self.id
            )
            order = ("published_at", "id")
        else:
            after = Q(published_at__lt=self.published_at) | Q(
                published_at=self.published_at, id__lt=self.id
            )
            order = ("-published_at", "-id")
        return (
            Post.objects.published()
            .filter(after)
            .order_by(*order)
            .only("title", "slug", "pub_date")
            .first()
        )


def post_from_share_token(token):
    """The post a share token names. Raises signing.SignatureExpired when it is older than
    BLOG_SHARE_DRAFT_DAYS, signing.BadSignature when it was altered, Post.DoesNotExist."""
    max_age = datetime.timedelta(days=settings.BLOG_SHARE_DRAFT_DAYS)
    pk = signing.loads(token, salt=SHARE_SALT, max_age=max_age)
    return Post.objects.select_related("author", "path").prefetch_related("tags").get(pk=pk)


class PostRevision(models.Model):
    """A version of a post's title and body, kept when a later save changed them."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(help_text="When this version was saved.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-edited_at", "-id"]
        indexes = [models.Index(fields=["post", "-edited_at"], name="revision_history")]

    def __str__(self):
        return f"{self.title} as of {self.edited_at:%Y-%m-%d %H:%M}"
